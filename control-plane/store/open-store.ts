import { join } from "node:path";
import { openPostgresDriver } from "./postgres-driver.ts";
import { SqlStore } from "./sql-store.ts";
import { openSqliteDriver } from "./sqlite-driver.ts";
import type { Store } from "./store.ts";

export interface OpenStoreOptions {
  /** PostgreSQL connection string; when set, PostgreSQL is used instead of SQLite. */
  readonly databaseUrl?: string;
  /** Folder of the SQLite file `ndc.sqlite`. @default "./.ndc" */
  readonly dataDir?: string;
  /** Full SQLite path (or `:memory:`), overriding `dataDir`. */
  readonly sqlitePath?: string;
  /** PostgreSQL pool size. @default 10 */
  readonly poolSize?: number;
  /** Apply pending migrations on open. @default true */
  readonly migrate?: boolean;
}

/** Opens the store: PostgreSQL when `databaseUrl` is given, else a SQLite file (zero set-up). */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const driver = options.databaseUrl
    ? openPostgresDriver(options.databaseUrl, options.poolSize === undefined ? {} : { poolSize: options.poolSize })
    : openSqliteDriver(options.sqlitePath ?? join(options.dataDir ?? "./.ndc", "ndc.sqlite"));
  const store = new SqlStore(driver);
  if (options.migrate ?? true) await store.migrate();
  return store;
}
