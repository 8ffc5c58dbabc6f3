import { startThrowawayPostgres } from "../../scripts/postgres/throwaway-postgres.ts";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL server for tests: a superuser URL; tests create their own databases in it. */
    databaseUrl: string;
  }
}

/**
 * Vitest global setup: a throw-away PostgreSQL from Debian's packages (`apt-get install postgresql`)
 * on a free loopback port, with its socket and data in a temp dir, stopped at teardown. Set
 * `DATABASE_URL_NDC_TEST` to use an existing server instead (a role that may CREATE DATABASE).
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const existing = process.env.DATABASE_URL_NDC_TEST;
  if (existing) {
    project.provide("databaseUrl", existing);
    process.env.NDC_TEST_DATABASE_URL = existing;
    return async () => {};
  }
  const server = await startThrowawayPostgres();
  project.provide("databaseUrl", server.url);
  process.env.NDC_TEST_DATABASE_URL = server.url;
  return server.stop;
}
