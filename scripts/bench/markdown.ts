// docs/benchmarks.md from the figures of one `npm run bench`: one table per benchmark, the machine
// and the run's conditions first, every figure with its baseline from the same run.
import { formatNumber, ratioOf, targetMet, type Figure } from "./report.ts";

/** Where and how the figures were measured. */
export interface RunContext {
  readonly date: string;
  readonly mode: "quick" | "full";
  /** The full run with no benchmark above this many environments (--cap). */
  readonly cap?: number;
  readonly commit: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  /** 1-minute load average at the start and at the end of the run. */
  readonly loadStart: number;
  readonly loadEnd: number;
  readonly node: string;
  /** Benchmarks that failed, with the reason; their figures are missing. */
  readonly failures: readonly { readonly bench: string; readonly reason: string }[];
  readonly seconds: number;
}

const cell = (text: string) => text.replaceAll("|", "\\|");

function targetText(f: Figure): string {
  if (!f.target) return "";
  const bound = f.target.on === "ratio" ? `${f.target.op} ${formatNumber(f.target.value)}x` : `${f.target.op} ${formatNumber(f.target.value)} ${f.unit}`;
  return `${bound} — ${targetMet(f) ? "met" : "**missed**"}`;
}

/** The report as Markdown. Figures keep the order they were published in. */
export function benchmarkMarkdown(figures: readonly Figure[], run: RunContext): string {
  const lines = [
    "# Benchmarks",
    "",
    `Written by \`npm run bench${run.mode === "quick" ? " -- --quick" : run.cap !== undefined ? ` -- --cap ${run.cap}` : ""}\` on ${run.date} (commit ${run.commit}); do not edit by hand.`,
    "Every figure is measured beside its baseline in the same run on the same machine, so the ratio is",
    "what to compare between runs; absolute figures move with the machine and its load.",
    "",
    "| Machine | |",
    "| --- | --- |",
    `| CPU | ${run.cpus} × ${cell(run.cpuModel)} |`,
    `| Memory | ${formatNumber(run.memoryGiB)} GiB |`,
    `| Load average (1 min) | ${formatNumber(run.loadStart)} at start, ${formatNumber(run.loadEnd)} at end |`,
    `| Node.js | ${run.node} |`,
    `| Run | ${run.mode}${run.cap !== undefined ? `, capped at ${formatNumber(run.cap)} environments per benchmark` : ""}, ${formatNumber(run.seconds / 60)} min |`,
    "",
  ];
  const benches = [...new Set(figures.map((f) => f.bench))];
  for (const bench of benches) {
    lines.push(`## ${bench}`, "", "| Figure | Value | Baseline (same run) | Ratio | Target |", "| --- | --- | --- | --- | --- |");
    for (const f of figures.filter((x) => x.bench === bench)) {
      const ratio = ratioOf(f);
      const baseline = f.baseline ? `${cell(f.baseline.name)}: ${formatNumber(f.baseline.value)} ${f.unit}` : "";
      const name = f.note ? `${cell(f.name)} (${cell(f.note)})` : cell(f.name);
      lines.push(`| ${name} | ${formatNumber(f.value)} ${f.unit} | ${baseline} | ${ratio === undefined ? "" : `${formatNumber(ratio)}x`} | ${targetText(f)} |`);
    }
    lines.push("");
  }
  if (run.failures.length > 0) {
    lines.push("## Benchmarks that did not finish", "");
    for (const failure of run.failures) lines.push(`- ${failure.bench}: ${cell(failure.reason)}`);
    lines.push("");
  }
  return lines.join("\n");
}
