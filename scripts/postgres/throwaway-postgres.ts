// A throw-away PostgreSQL from Debian's packages (`apt-get install postgresql`) on a free loopback
// port, its socket and data in a temp dir: for the tests' global setup and the benchmarks.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** A running server: a superuser URL (`postgres://ndc@127.0.0.1:PORT/postgres`) and how to stop it. */
export interface ThrowawayPostgres {
  readonly url: string;
  /** Fast shutdown, then removes its data. */
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL with durability off (fsync, synchronous commit): for tests and benchmarks only.
 * @throws when PostgreSQL is not installed, naming the package to install
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "ndc-pg-"));
  const data = join(dir, "data");
  // initdb and postgres refuse to run as root: run them as the `postgres` user the package creates.
  const asUser = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (asUser) chownSync(dir, asUser.uid, asUser.gid);
  const wrap = (cmd: string, args: string[]): [string, string[]] => (asUser ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args]);

  const [initCmd, initArgs] = wrap(join(bin, "initdb"), ["-D", data, "-U", "ndc", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const init = spawnSync(initCmd, initArgs, { encoding: "utf8", timeout: 120_000 });
  if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}): ${init.stderr || init.stdout}`);

  const port = await freePort();
  const [cmd, args] = wrap(join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=300",
  ]);
  const child: ChildProcess = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));

  const url = `postgres://ndc@127.0.0.1:${port}/postgres`;
  await waitForServer(url, child, () => stderr);
  const stop = async () => {
    // Fast shutdown of the postmaster itself (the runuser wrapper does not forward signals).
    const pidFile = join(data, "postmaster.pid");
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : child.pid;
    if (pid) {
      try {
        process.kill(pid, "SIGINT");
      } catch {
        // already gone
      }
    }
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => (child.kill("SIGKILL"), resolve()), 15_000);
      child.once("exit", () => (clearTimeout(timer), resolve()));
    });
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, stop };
}

/** The newest PostgreSQL installed from Debian's packages: its bin folder (initdb, pg_ctl, pg_dump, pg_restore). */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) {
    throw new Error("PostgreSQL is not installed: run `apt-get install -y postgresql` (Debian), or set DATABASE_URL_NDC_TEST to a server you have");
  }
  return join(root, newest, "bin");
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  const uid = id("-u");
  const gid = id("-g");
  if (uid.status !== 0) throw new Error("running as root needs the `postgres` user (created by the Debian postgresql package) to start PostgreSQL");
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForServer(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${stderr()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 60 s: ${(error as Error).message}\n${stderr()}`, { cause: error });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
