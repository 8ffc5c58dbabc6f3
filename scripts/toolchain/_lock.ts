import { open, readFile, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `fn` holding a lock file (created exclusively, holding our pid), so two builds of one tool, or
 * two `up`s of one cluster (e.g. two vitest projects' global setups), do not run at once. A lock left
 * by a dead process is taken over.
 * @param onWait called once when another live process holds the lock, to tell the user why we wait
 * @throws when another live process holds the lock longer than `waitMs`
 */
export async function withLock<T>(path: string, fn: () => Promise<T>, waitMs = 300_000, onWait?: (holder: number) => void): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (!holder || !processAlive(holder)) {
        await rm(path, { force: true });
        continue;
      }
      if (onWait) {
        onWait(holder);
        onWait = undefined;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${path} is held by process ${holder} for over ${waitMs / 1000} s: wait for it, or remove the file if that process is not a cluster script`,
          { cause: err },
        );
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
