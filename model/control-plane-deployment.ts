import type { SiteStackConfig } from "./site-config.ts";
import { IssueCollector } from "./validation-error.ts";

/** Replicas of the control plane when `ndc:controlPlane.replicas` is not set. */
export const DEFAULT_CONTROL_PLANE_REPLICAS = 2;

/**
 * The user and group the service runs as: the Deployment's runAsUser/runAsGroup/fsGroup
 * (components/_control-plane-objects.ts) and the image's `User` (scripts/image/build.ts), so the
 * files the image gives that user are the pod's.
 */
export const CONTROL_PLANE_USER = { uid: 10001, gid: 10001 } as const;

/** The config key that holds the database URL, as `pulumi config set --path` names it. */
export const DATABASE_URL_KEY = "ndc:controlPlane.databaseUrl";

/** How the control plane of a stack is deployed, once its config is checked. */
export interface ControlPlaneDeployment {
  readonly replicas: number;
  /** `sqlite`: a file in the pod (one replica); `postgresql`: the shared database of the URL or Secret. */
  readonly store: "sqlite" | "postgresql";
  /** The decrypted PostgreSQL URL; only ever handed on as a secret. */
  readonly databaseUrl?: string;
}

/** Shown instead of a secret's value in errors. */
const HIDDEN = "(secret, not shown)";

/**
 * Checks how the stack deploys its control plane, as the site program sees the config (secrets
 * decrypted). `databaseUrlIsSecret` says whether the engine handed the URL over as a secret.
 * (That several replicas need PostgreSQL is a rule of the stack file itself: `shared-database` in
 * site-stack.ts.)
 * - The URL is a Pulumi secret (`secure:` in the stack file), never plain text (`secret-in-plain-text`).
 * - It is a `postgres://` or `postgresql://` URL (`database-url-format`); its value is never echoed.
 * @returns undefined when the stack has no control plane
 * @throws ValidationError naming the key, the rule and what to do
 */
export function controlPlaneDeployment(config: SiteStackConfig, databaseUrlIsSecret: boolean, source: string): ControlPlaneDeployment | undefined {
  const cp = config.controlPlane;
  if (!cp) return undefined;
  const issues = new IssueCollector();
  const replicas = cp.replicas ?? DEFAULT_CONTROL_PLANE_REPLICAS;
  const setSecret = `\`npm run pulumi -- config set --secret --path ${DATABASE_URL_KEY} postgresql://… --stack <stack>\``;
  const url = cp.databaseUrl;
  if (typeof url === "object") {
    // The encrypted form only reaches here when the stack file is read without the engine.
    issues.add(DATABASE_URL_KEY, HIDDEN, "secret-not-decrypted", "is still encrypted: run the site program through the Pulumi engine, which decrypts it");
  } else if (url !== undefined) {
    if (!databaseUrlIsSecret)
      issues.add(
        DATABASE_URL_KEY,
        HIDDEN,
        "secret-in-plain-text",
        `is plain text in the stack file; a database password must be a Pulumi secret: set it with ${setSecret}`,
      );
    if (!/^postgres(ql)?:\/\/[^\s]+$/.test(url))
      issues.add(DATABASE_URL_KEY, HIDDEN, "database-url-format", "must be a PostgreSQL URL (postgresql://user:password@host:5432/db)");
  }
  issues.throwIfAny(source);
  const shared = url !== undefined || cp.databaseSecret !== undefined;
  return { replicas, store: shared ? "postgresql" : "sqlite", ...(typeof url === "string" ? { databaseUrl: url } : {}) };
}
