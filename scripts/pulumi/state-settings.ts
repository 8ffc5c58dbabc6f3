import { LOCAL_STACK } from "../../model/index.ts";

/** What a stack file says about its state (`ndc:state`). */
export interface DeclaredState {
  /** Backend URL (`s3://…`, `azblob://…`, `gs://…`, `https://api.pulumi.com`, `file://…`). */
  readonly backend?: string;
  /** `passphrase` or a KMS URL (`awskms://…`, `azurekeyvault://…`, `gcpkms://…`, `hashivault://…`). */
  readonly secretsProvider?: string;
}

/** Where a stack's state and secrets come from, once resolved; each with where it was taken from. */
export interface StateSettings {
  /** Backend URL, or undefined for the one `pulumi login` recorded. */
  readonly backend?: string;
  readonly backendFrom: "PULUMI_BACKEND_URL" | "ndc:state.backend" | "local default" | "pulumi login" | "stateDir";
  readonly secretsProvider: string;
  /** The built-in local passphrase (local stack only), when the user gave none. */
  readonly builtInPassphrase: boolean;
}

/** What the machine offers: environment variables and the backend `pulumi login` recorded. */
export interface StateEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The current backend in PULUMI_HOME's credentials, if any. */
  readonly loggedIn?: string;
  /** File-backend folder the caller asks for (tests, `npm start`). */
  readonly stateDir?: string;
  /** The local stack's default file-backend folder. */
  readonly defaultStateDir: string;
}

/**
 * Resolves a stack's backend and secrets, as a team expects of Pulumi:
 * - backend: an explicit `stateDir` (tests), else `PULUMI_BACKEND_URL`, else the stack's
 *   `ndc:state.backend`, else a local file backend for the `local` stack only, else `pulumi login`'s;
 *   a site stack with none of them is refused;
 * - secrets: the stack's `ndc:state.secretsProvider` (default `passphrase`); a passphrase comes from
 *   `PULUMI_CONFIG_PASSPHRASE(_FILE)`, and only the `local` stack may fall back to the built-in one —
 *   so no salt from a public passphrase is ever written into a site's stack file.
 * @throws naming the stack and what to set
 */
export function resolveStateSettings(stack: string, declared: DeclaredState, machine: StateEnvironment): StateSettings {
  const { env } = machine;
  const local = stack === LOCAL_STACK;
  let backend: string | undefined;
  let backendFrom: StateSettings["backendFrom"];
  if (machine.stateDir) [backend, backendFrom] = [`file://${machine.stateDir}`, "stateDir"];
  else if (env.PULUMI_BACKEND_URL) [backend, backendFrom] = [env.PULUMI_BACKEND_URL, "PULUMI_BACKEND_URL"];
  else if (declared.backend) [backend, backendFrom] = [declared.backend, "ndc:state.backend"];
  else if (local) [backend, backendFrom] = [`file://${env.NDC_PULUMI_STATE_DIR || machine.defaultStateDir}`, "local default"];
  else if (machine.loggedIn) [backend, backendFrom] = [undefined, "pulumi login"];
  else {
    throw new Error(
      `stack ${stack} names no state backend: set ndc:state.backend in its stack file, PULUMI_BACKEND_URL, or log in with \`npm run pulumi -- login <url>\` (a file backend on this machine is for the ${LOCAL_STACK} stack only)`,
    );
  }
  const secretsProvider = declared.secretsProvider ?? "passphrase";
  const hasPassphrase = env.PULUMI_CONFIG_PASSPHRASE !== undefined || Boolean(env.PULUMI_CONFIG_PASSPHRASE_FILE);
  if (secretsProvider === "passphrase" && !hasPassphrase && !local) {
    throw new Error(
      `stack ${stack} encrypts its secrets with a passphrase and none is given: set PULUMI_CONFIG_PASSPHRASE_FILE (or PULUMI_CONFIG_PASSPHRASE), or a KMS in ndc:state.secretsProvider; the built-in passphrase is for the ${LOCAL_STACK} stack only`,
    );
  }
  return { ...(backend ? { backend } : {}), backendFrom, secretsProvider, builtInPassphrase: secretsProvider === "passphrase" && !hasPassphrase };
}

/**
 * The stack that pulumi arguments name themselves (`--stack X`, `--stack=X`, `-s X`, `-s=X`, `-sX`),
 * if any. The wrapper resolves a backend and secrets for one stack; pulumi must not be pointed at
 * another one behind its back (a site stack run with the local stack's built-in passphrase).
 */
export function stackNamedIn(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return undefined;
    if (arg === "--stack" || arg === "-s") return args[i + 1];
    if (arg.startsWith("--stack=")) return arg.slice("--stack=".length);
    if (arg.startsWith("-s=")) return arg.slice(3);
    if (/^-s[^-]/.test(arg)) return arg.slice(2);
  }
  return undefined;
}
