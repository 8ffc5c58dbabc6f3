// The store: one query layer over SQLite (default) and PostgreSQL; see README.md for the provisioner.
export * from "./store.ts";
export * from "./open-store.ts";
export * from "./migrations.ts";
export { SqlStore } from "./sql-store.ts";
export { isUniqueViolation, type SqlDriver } from "./_driver.ts";
export { openSqliteDriver } from "./sqlite-driver.ts";
export { openPostgresDriver } from "./postgres-driver.ts";
