import pg from "pg";
import type { Row, SqlDriver, SqlExecutor, SqlValue } from "./_driver.ts";

// BIGINT and NUMERIC come back as strings by default; our amounts fit in a double.
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** `?` placeholders to `$1, $2, …` (our SQL never has a `?` inside a literal). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const RETRYABLE = new Set(["40001", "40P01"]); // serialization failure, deadlock

/**
 * PostgreSQL through a `pg` pool. Transactions take `pg_advisory_xact_lock` per lock key (sorted),
 * released at commit, so admissions for one site serialize across every replica of the service.
 */
export function openPostgresDriver(connectionString: string, options: { poolSize?: number } = {}): SqlDriver {
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 10, types });
  pool.on("error", () => undefined); // an idle client lost its connection; the pool replaces it
  const on = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async all<T extends Row>(sql: string, params: readonly SqlValue[] = []) {
      return (await client.query(numberPlaceholders(sql), params as SqlValue[])).rows as T[];
    },
    async get<T extends Row>(sql: string, params: readonly SqlValue[] = []) {
      return (await client.query(numberPlaceholders(sql), params as SqlValue[])).rows[0] as T | undefined;
    },
    async run(sql: string, params: readonly SqlValue[] = []) {
      return (await client.query(numberPlaceholders(sql), params as SqlValue[])).rowCount ?? 0;
    },
    async lock(key: string) {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [key]);
    },
  });
  const direct = on(pool);
  return {
    dialect: { name: "postgres", claimSuffix: " FOR UPDATE SKIP LOCKED" },
    ...direct,
    lock: async () => {
      throw new Error("lock() needs a transaction");
    },
    async transaction(locks, fn) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        const tx = on(client);
        try {
          await client.query("BEGIN");
          for (const key of [...new Set(locks)].sort()) await tx.lock(key);
          const result = await fn(tx);
          await client.query("COMMIT");
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          if (attempt < 5 && RETRYABLE.has((error as { code?: string }).code ?? "")) continue;
          throw error;
        } finally {
          client.release();
        }
      }
    },
    async exec(script) {
      await pool.query(script);
    },
    async close() {
      await pool.end();
    },
  };
}
