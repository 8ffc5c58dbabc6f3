import { randomBytes } from "node:crypto";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { processAlive } from "../toolchain/index.ts";

// One file per process using a shared cluster: `<cluster dir>/clients/<pid>-<token>`.

/** Registers this process as a user of the cluster; returns the file to remove on release. */
export async function addClient(dir: string): Promise<string> {
  const clients = join(dir, "clients");
  await mkdir(clients, { recursive: true });
  const file = join(clients, `${process.pid}-${randomBytes(4).toString("hex")}`);
  await writeFile(file, new Date().toISOString());
  return file;
}

export async function removeClient(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** Counts registered users whose process is alive, forgetting the dead (crashed test runs). */
export async function liveClients(dir: string): Promise<number> {
  const clients = join(dir, "clients");
  const names = await readdir(clients).catch(() => [] as string[]);
  let live = 0;
  for (const name of names) {
    if (processAlive(Number(name.split("-")[0]))) live++;
    else await rm(join(clients, name), { force: true });
  }
  return live;
}

export async function clearClients(dir: string): Promise<void> {
  await rm(join(dir, "clients"), { recursive: true, force: true });
}
