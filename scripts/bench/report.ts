// What a benchmark reports: figures, each measured beside a baseline in the same run, so the report
// shows ratios that survive a slower or busier machine. A benchmark prints each figure as one
// headline line and, when run by `npm run bench`, appends it as JSON to the file named by
// NDC_BENCH_OUT, which scripts/bench.ts gathers into docs/benchmarks.md.
import { appendFileSync } from "node:fs";

/** A target on a figure's value or on its ratio to the baseline. */
export interface Target {
  /** `>=` when more is better (rates), `<=` when less is better (latency, memory). */
  readonly op: ">=" | "<=";
  readonly value: number;
  /** What the target bounds. @default "value" */
  readonly on?: "value" | "ratio";
}

/** One measured figure. */
export interface Figure {
  /** The benchmark that measured it, e.g. `provision`. */
  readonly bench: string;
  /** What was measured, e.g. `ndc provisioner, 1000 environments`. */
  readonly name: string;
  readonly value: number;
  /** e.g. `env/s`, `ms`, `MiB`, `calls`. */
  readonly unit: string;
  /** The same work done the reference way in the same run; `ratio` is value / baseline value. */
  readonly baseline?: { readonly name: string; readonly value: number };
  readonly target?: Target;
  /** Why a target was missed, or what else the reader should know. */
  readonly note?: string;
}

/** value / baseline value, or undefined without a baseline. */
export function ratioOf(figure: Figure): number | undefined {
  return figure.baseline && figure.baseline.value !== 0 ? figure.value / figure.baseline.value : undefined;
}

/** Whether the figure meets its target (undefined without one). */
export function targetMet(figure: Figure): boolean | undefined {
  if (!figure.target) return undefined;
  const measured = figure.target.on === "ratio" ? ratioOf(figure) : figure.value;
  if (measured === undefined) return false;
  return figure.target.op === ">=" ? measured >= figure.target.value : measured <= figure.target.value;
}

/** A number with a sensible number of digits for a report. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatTarget(target: Target, unit: string): string {
  return target.on === "ratio" ? `${target.op} ${formatNumber(target.value)}x` : `${target.op} ${formatNumber(target.value)} ${unit}`;
}

/** The figure as one line: `bench: name 45.2 env/s = 0.86x raw apply (target >= 0.90x: MISSED)`. */
export function headline(figure: Figure): string {
  let line = `${figure.bench}: ${figure.name} ${formatNumber(figure.value)} ${figure.unit}`;
  const ratio = ratioOf(figure);
  if (figure.baseline && ratio !== undefined)
    line += ` = ${formatNumber(ratio)}x ${figure.baseline.name} (${formatNumber(figure.baseline.value)} ${figure.unit})`;
  if (figure.target) line += ` (target ${formatTarget(figure.target, figure.unit)}: ${targetMet(figure) ? "met" : "MISSED"})`;
  if (figure.note) line += ` — ${figure.note}`;
  return line;
}

/** Prints the figure's headline and records it for the report when NDC_BENCH_OUT is set. */
export function publish(figure: Figure): void {
  console.log(headline(figure));
  const out = process.env.NDC_BENCH_OUT;
  if (out) appendFileSync(out, `${JSON.stringify(figure)}\n`);
}

/** The value at quantile q (0..1) of samples, nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Progress for long work, on stderr so the headlines stay clean. */
export function progress(bench: string, message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${bench}: ${message}\n`);
}
