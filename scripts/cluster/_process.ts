import { type ChildProcess, spawn } from "node:child_process";
import { openSync, closeSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** What identifies a process we started, so `down` never signals a process that reused its pid. */
export interface ProcessRecord {
  readonly pid: number;
  /** Start time in clock ticks since boot (`/proc/<pid>/stat` field 22). */
  readonly startTicks: string;
  /** Resolved path of the executable. */
  readonly exe: string;
  /** File receiving the process's stdout and stderr. */
  readonly log: string;
}

function startTicksOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; fields after the last ')' start at field 3.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** True when the process is alive and is the very one recorded (same start time and executable). */
export function isOurProcess(record: ProcessRecord): boolean {
  if (startTicksOf(record.pid) !== record.startTicks) return false;
  try {
    // A binary replaced by `toolchain build --force` shows as "<path> (deleted)"; still ours.
    return readlinkSync(`/proc/${record.pid}/exe`).replace(/ \(deleted\)$/, "") === record.exe;
  } catch {
    return false;
  }
}

/** A started process: its record, and its handle while this Node process lives. */
export interface StartedProcess {
  readonly record: ProcessRecord;
  readonly child: ChildProcess;
  /** Set when the process has exited (e.g. a port was taken); start-up checks it while waiting. */
  exited?: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * Starts a long-running process in its own process group, detached from ours, so `cluster up` can exit
 * and leave the cluster running; output goes to `log`.
 */
export function startDetached(bin: string, args: readonly string[], log: string): StartedProcess {
  const exe = realpathSync(bin);
  const fd = openSync(log, "a");
  try {
    const child = spawn(exe, args, { detached: true, stdio: ["ignore", fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${exe}: see ${log}`);
    const started: StartedProcess = {
      record: { pid: child.pid, startTicks: startTicksOf(child.pid) ?? "", exe, log },
      child,
    };
    child.once("exit", (code, signal) => {
      started.exited = { code, signal };
    });
    child.unref();
    return started;
  } finally {
    closeSync(fd);
  }
}

/**
 * Stops a recorded process if it is still ours: SIGTERM, then SIGKILL after `graceMs`.
 * @returns true when it was running and has been stopped
 */
export async function stopProcess(record: ProcessRecord, graceMs = 15_000): Promise<boolean> {
  if (!isOurProcess(record)) return false;
  process.kill(record.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(record)) return true;
    await sleep(100);
  }
  if (isOurProcess(record)) process.kill(record.pid, "SIGKILL");
  while (isOurProcess(record)) await sleep(50);
  return true;
}

/** Last lines of a log file, for error messages. */
export function logTail(log: string, lines = 15): string {
  try {
    return readFileSync(log, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
