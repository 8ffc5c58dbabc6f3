// What a Pulumi update looks like from outside, for the alerts of runbooks/pulumi-state-locked.md.
// Site updates run on an engineer's machine or a CI runner, not in the control plane, so no metric
// of the service can see them; runPulumi writes this file instead, in the Prometheus text format,
// into NDC_PULUMI_METRICS_DIR — the directory node_exporter's textfile collector reads
// (--collector.textfile.directory) on the machine that runs updates. One file per stack,
// `ndc-pulumi-<stack>.prom`, replaced atomically (a temporary file, then rename), so the collector
// never reads half of one.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Commands that take the stack's lock in the state backend (Pulumi's diy backend: Update, Import, Refresh, Destroy, Watch). */
export const LOCKING_COMMANDS: ReadonlySet<string> = new Set(["up", "update", "destroy", "down", "refresh", "import", "watch"]);

/** What the file says about one stack. */
export interface UpdateState {
  readonly stack: string;
  /** The last command that takes the lock, e.g. `up`. */
  readonly command: string;
  /** That command is running now (or its wrapper was killed before it could say otherwise). */
  readonly running: boolean;
  /** Unix seconds. */
  readonly startedAt: number;
  /** When pulumi last printed anything during it (unix seconds): a stuck update goes quiet. */
  readonly lastOutputAt: number;
  /** The last command on this stack was refused because the stack is locked; false once one gets past the lock or `cancel` removes it. */
  readonly locked: boolean;
}

/** The metric names the file carries (the alerts read them; a test checks they exist). */
export const PULUMI_METRIC_NAMES = [
  "ndc_pulumi_update_running",
  "ndc_pulumi_update_started_timestamp_seconds",
  "ndc_pulumi_update_last_output_timestamp_seconds",
  "ndc_pulumi_stack_locked",
] as const;

const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** The state in the Prometheus text exposition format. */
export function updateMetricsText(s: UpdateState): string {
  const on = `stack="${label(s.stack)}",command="${label(s.command)}"`;
  return [
    "# HELP ndc_pulumi_update_running 1 while a pulumi command that holds the stack's lock (up, destroy, refresh, import) runs through scripts/pulumi.ts; 0 once it ended",
    "# TYPE ndc_pulumi_update_running gauge",
    `ndc_pulumi_update_running{${on}} ${s.running ? 1 : 0}`,
    "# HELP ndc_pulumi_update_started_timestamp_seconds when that command started",
    "# TYPE ndc_pulumi_update_started_timestamp_seconds gauge",
    `ndc_pulumi_update_started_timestamp_seconds{${on}} ${s.startedAt}`,
    "# HELP ndc_pulumi_update_last_output_timestamp_seconds when pulumi last printed anything during that command",
    "# TYPE ndc_pulumi_update_last_output_timestamp_seconds gauge",
    `ndc_pulumi_update_last_output_timestamp_seconds{${on}} ${s.lastOutputAt}`,
    "# HELP ndc_pulumi_stack_locked 1 when the last pulumi command on the stack was refused because the stack is locked (another update, or one killed holding its lock)",
    "# TYPE ndc_pulumi_stack_locked gauge",
    `ndc_pulumi_stack_locked{stack="${label(s.stack)}"} ${s.locked ? 1 : 0}`,
    "",
  ].join("\n");
}

/**
 * Whether pulumi's output says the stack is locked: the diy backends' (file, S3, Azure, GCS)
 * `the stack is currently locked by N lock(s)` (pkg/backend/diy/lock.go) or Pulumi Cloud's 409
 * `Another update is currently in progress`.
 */
export function isLockRefusal(output: string): boolean {
  return /the stack is currently locked by \d+ lock\(s\)|Another update is currently in progress/.test(output);
}

/** The file for a stack in `dir`. */
export function updateMetricsFile(dir: string, stack: string): string {
  return join(dir, `ndc-pulumi-${stack.replace(/[^A-Za-z0-9_.-]/g, "_")}.prom`);
}

/** What the file says now: undefined when there is none (or it is not ours). */
export function readUpdateState(dir: string, stack: string): UpdateState | undefined {
  const file = updateMetricsFile(dir, stack);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  const value = (name: string) => {
    const m = new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, "m").exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const command = /^ndc_pulumi_update_running\{[^}]*command="([^"]*)"\} /m.exec(text)?.[1];
  const [running, startedAt, lastOutputAt, locked] = PULUMI_METRIC_NAMES.map(value);
  if (command === undefined || [running, startedAt, lastOutputAt, locked].some((v) => v === undefined || Number.isNaN(v))) return undefined;
  return { stack, command, running: running === 1, startedAt: startedAt!, lastOutputAt: lastOutputAt!, locked: locked === 1 };
}

/** Replaces the stack's file with `state`. */
export function writeUpdateState(dir: string, state: UpdateState): void {
  mkdirSync(dir, { recursive: true });
  const file = updateMetricsFile(dir, state.stack);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, updateMetricsText(state), { mode: 0o644 });
  renameSync(tmp, file);
}

/**
 * Follows one pulumi command for the file: `start` before it runs, `output` whenever it prints
 * (written at most every `heartbeatSeconds`), `end` with its exit code and output. Commands that
 * neither lock the stack nor remove its lock (`preview`, `config`, …) write nothing; a successful
 * `cancel` clears `locked` and `running` (it removed the lock the alerts are about).
 */
export class UpdateMetrics {
  private state: UpdateState | undefined;
  private lastWrite = 0;

  constructor(
    private readonly dir: string,
    private readonly stack: string,
    private readonly command: string,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
    private readonly heartbeatSeconds = 30,
  ) {}

  start(): void {
    if (!LOCKING_COMMANDS.has(this.command)) return;
    const t = this.now();
    // Whether the stack is locked is known only once pulumi answers: keep what the file said.
    const locked = readUpdateState(this.dir, this.stack)?.locked ?? false;
    this.state = { stack: this.stack, command: this.command, running: true, startedAt: t, lastOutputAt: t, locked };
    this.write();
  }

  output(): void {
    if (!this.state) return;
    const t = this.now();
    this.state = { ...this.state, lastOutputAt: t };
    if (t - this.lastWrite >= this.heartbeatSeconds) this.write();
  }

  end(exitCode: number, output: string): void {
    if (this.command === "cancel") {
      const previous = readUpdateState(this.dir, this.stack);
      if (exitCode === 0 && previous) writeUpdateState(this.dir, { ...previous, running: false, locked: false });
      return;
    }
    if (!this.state) return;
    this.state = { ...this.state, running: false, lastOutputAt: this.now(), locked: exitCode !== 0 && isLockRefusal(output) };
    this.write();
  }

  private write(): void {
    this.lastWrite = this.now();
    writeUpdateState(this.dir, this.state!);
  }
}
