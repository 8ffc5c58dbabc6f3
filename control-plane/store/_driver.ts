/** The few things the query layer needs from a database, the same for SQLite and PostgreSQL. */

export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

/** Runs SQL written with `?` placeholders; each driver rewrites them for its database. */
export interface SqlExecutor {
  all<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Takes a named lock until the transaction ends (PostgreSQL advisory lock; SQLite holds the write lock already). */
  lock(key: string): Promise<void>;
}

export interface Dialect {
  readonly name: "sqlite" | "postgres";
  /** Appended to a SELECT that claims rows: `FOR UPDATE SKIP LOCKED`, or nothing where writes are serialized. */
  readonly claimSuffix: string;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: Dialect;
  /**
   * Runs `fn` in one transaction. `locks` are taken first, in sorted order, so transactions that
   * touch the same site or organization serialize and never deadlock.
   */
  transaction<T>(locks: readonly string[], fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** True for a unique-constraint violation in either database. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; errcode?: string; message?: string };
  return e?.code === "23505" || /UNIQUE constraint failed/i.test(e?.message ?? "");
}
