import type { SqlDriver } from "./_driver.ts";

/** One schema change. Never edit an applied migration: add the next one. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** The same SQL runs on SQLite and PostgreSQL (TEXT timestamps in ISO 8601, JSON as TEXT). */
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "environments, commitments, tokens, idempotency keys, audit chain",
    sql: `
CREATE TABLE environments (
  id TEXT PRIMARY KEY,
  org TEXT NOT NULL,
  name TEXT NOT NULL,
  namespace TEXT NOT NULL,
  phase TEXT NOT NULL,
  version INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  observed_generation INTEGER NOT NULL DEFAULT 0,
  spec TEXT NOT NULL,
  plan TEXT NOT NULL,
  conditions TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  approved_by TEXT,
  reason TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  retain_until TEXT,
  lease_owner TEXT,
  lease_expires_at TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT
);
CREATE UNIQUE INDEX environments_live_name ON environments (org, name) WHERE phase NOT IN ('Rejected', 'Deleted');
CREATE INDEX environments_org_name ON environments (org, name, created_at);
CREATE INDEX environments_phase ON environments (phase, updated_at);

CREATE TABLE environment_sites (
  environment_id TEXT NOT NULL REFERENCES environments (id),
  site TEXT NOT NULL,
  namespace TEXT NOT NULL,
  phase TEXT NOT NULL,
  message TEXT,
  observed_generation INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (environment_id, site)
);

CREATE TABLE commitments (
  environment_id TEXT NOT NULL REFERENCES environments (id),
  site TEXT NOT NULL,
  org TEXT NOT NULL,
  environment TEXT NOT NULL,
  zone TEXT NOT NULL,
  pool TEXT NOT NULL,
  cpu_millis BIGINT NOT NULL,
  memory_bytes BIGINT NOT NULL,
  gpu INTEGER NOT NULL,
  storage TEXT NOT NULL,
  PRIMARY KEY (environment_id, site)
);
CREATE INDEX commitments_site ON commitments (site, pool);

CREATE TABLE idempotency_keys (
  principal TEXT NOT NULL,
  org TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  environment_id TEXT NOT NULL REFERENCES environments (id),
  created_at TEXT NOT NULL,
  PRIMARY KEY (principal, org, idempotency_key)
);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  role TEXT NOT NULL,
  org TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);

CREATE TABLE audit_records (
  seq BIGINT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_role TEXT,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL,
  status INTEGER,
  org TEXT,
  target TEXT,
  request_id TEXT,
  before_state TEXT,
  after_state TEXT,
  detail TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_records_org ON audit_records (org, seq);
CREATE INDEX audit_records_target ON audit_records (target, seq);

-- The last record of the chain, so deleting records at the end is detected too.
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: "who last changed an environment's spec (four eyes)",
    sql: `
ALTER TABLE environments ADD COLUMN modified_by TEXT;
`,
  },
  {
    version: 3,
    name: "a change to a built environment awaiting approval (the live objects keep the approved spec)",
    sql: `
ALTER TABLE environments ADD COLUMN pending_spec TEXT;
ALTER TABLE environments ADD COLUMN pending_plan TEXT;
`,
  },
  {
    version: 4,
    name: "a site dropped from an environment is retained there until its own deadline",
    sql: `
ALTER TABLE environment_sites ADD COLUMN retain_until TEXT;
`,
  },
  {
    version: 5,
    name: "who stands behind a token and a request: root person and minters (four eyes across minted tokens)",
    sql: `
-- JSON {root, minters}; NULL for rows written before: derived from created_by / requested_by.
ALTER TABLE api_tokens ADD COLUMN lineage TEXT;
ALTER TABLE api_tokens ADD COLUMN root_subject TEXT;
-- The token that minted this one, so revoking it revokes what it minted.
ALTER TABLE api_tokens ADD COLUMN minted_with TEXT;
CREATE INDEX api_tokens_minted_with ON api_tokens (minted_with);
ALTER TABLE environments ADD COLUMN requested_lineage TEXT;
ALTER TABLE environments ADD COLUMN modified_lineage TEXT;
`,
  },
  {
    version: 6,
    name: "data-sharing agreements between organizations",
    sql: `
CREATE TABLE sharing_agreements (
  id TEXT PRIMARY KEY,
  provider_org TEXT NOT NULL,
  name TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  consumer_org TEXT NOT NULL,
  offer TEXT NOT NULL,
  state TEXT NOT NULL,
  operator_approval_required INTEGER NOT NULL,
  approval_reasons TEXT NOT NULL,
  sites TEXT NOT NULL,
  version INTEGER NOT NULL,
  offered_by TEXT NOT NULL,
  accepted_by TEXT,
  decided_by TEXT,
  revoked_by TEXT,
  reason TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX sharing_agreements_name ON sharing_agreements (provider_org, name);
-- The NetworkPolicy name ndc-share-<provider>-<name> must be unique on the platform too.
CREATE UNIQUE INDEX sharing_agreements_policy ON sharing_agreements (policy_id);
CREATE INDEX sharing_agreements_consumer ON sharing_agreements (consumer_org, name);
CREATE INDEX sharing_agreements_state ON sharing_agreements (state);
`,
  },
  {
    version: 7,
    name: "the phase an environment returns to when the decision it waits for says no (a rejected decommission)",
    sql: `
ALTER TABLE environments ADD COLUMN resume_phase TEXT;
`,
  },
  {
    version: 8,
    name: "who stands behind an agreement's offer and acceptance: root person and minters (four eyes across minted tokens)",
    sql: `
-- JSON {root, minters}; NULL for rows written before: the subject alone.
ALTER TABLE sharing_agreements ADD COLUMN offered_lineage TEXT;
ALTER TABLE sharing_agreements ADD COLUMN accepted_lineage TEXT;
`,
  },
  {
    version: 9,
    name: "everyone who wrote what waits for an environment's next decision, not only the last modifier (four eyes)",
    sql: `
-- JSON [{subject, lineage}], emptied by each decision; NULL for rows written before: none known
-- beyond requested_by and modified_by, which four eyes checks anyway.
ALTER TABLE environments ADD COLUMN change_authors TEXT;
`,
  },
  {
    version: 10,
    name: "the phase whose work failed, so a failed decommission stays a decommission (no change or retry brings it back)",
    sql: `
ALTER TABLE environments ADD COLUMN failed_during TEXT;
-- Environments that failed before: the phase before their last failure, from the audit trail
-- (auditState writes "phase" first). Failed ones, and Failed ones waiting for a decommission.
UPDATE environments SET failed_during = 'Decommissioning'
  WHERE (phase = 'Failed' OR (phase = 'AwaitingDecommission' AND resume_phase = 'Failed'))
    AND (SELECT a.before_state FROM audit_records a
         WHERE a.target = 'environment ' || environments.org || '/' || environments.name AND a.action = 'environment.fail'
         ORDER BY a.seq DESC LIMIT 1) LIKE '{"phase":"Decommissioning"%';
`,
  },
  {
    version: 11,
    name: "one live environment per namespace (org a's b-x and org a-b's x both make a-b-x)",
    sql: `
-- Admission refuses a taken namespace under a lock per namespace; the index makes it the
-- database's rule too. It cannot be created while two live environments share a namespace (the
-- second never got it: the provisioner refused to take it over, so it is Failed): decommission or
-- withdraw that one first.
CREATE UNIQUE INDEX environments_live_namespace ON environments (namespace) WHERE phase NOT IN ('Rejected', 'Deleted');
`,
  },
];

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction,
 * under a lock so two replicas starting together do not both apply one.
 * @returns the versions applied now
 */
export async function migrate(driver: SqlDriver, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await driver.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await driver.transaction(["schema-migrations"], async (tx) => {
      if (await tx.get("SELECT version FROM schema_migrations WHERE version = ?", [m.version])) return false;
      for (const statement of splitStatements(m.sql)) await tx.run(statement);
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, new Date().toISOString()]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

/** Splits a migration script on `;` at line ends, dropping `--` comments (our DDL has no semicolons inside). */
export function splitStatements(script: string): string[] {
  return script
    .split("\n")
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n")
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
