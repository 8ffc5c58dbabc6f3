import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { parse, parseDocument } from "yaml";
import { readClusterIdentity } from "../../components/index.ts";
import { parseStackFile, resolveClusterBinding, type BoundCluster, type ClusterBindingConfig } from "../../model/index.ts";
import { repoRoot } from "../toolchain/index.ts";

/** What `bind` records for a stack. */
export interface BindOptions {
  readonly stack: string;
  /** Project folder (holds Pulumi.yaml). @default the repository root */
  readonly cwd?: string;
  /** Kubeconfig of the stack's cluster. @default the one `ndc:cluster.kubeconfig` names */
  readonly kubeconfig?: string;
  /** Context in it. @default with `kubeconfig` given, that file's current-context; else `ndc:cluster.context` */
  readonly context?: string;
}

/** What `bind` wrote, and what it replaced. */
export interface BindResult {
  readonly file: string;
  readonly binding: BoundCluster;
  /** The identity recorded before, when the stack was bound to another cluster. */
  readonly previous?: { readonly server?: string; readonly uid?: string };
}

/** The stack file of a project: `<stackConfigDir>/Pulumi.<stack>.yaml`. */
export async function stackFilePath(cwd: string, stack: string): Promise<string> {
  const project = parse(await readFile(join(cwd, "Pulumi.yaml"), "utf8")) as { stackConfigDir?: string } | null;
  return join(cwd, project?.stackConfigDir ?? ".", `Pulumi.${stack}.yaml`);
}

/** A path as the stack file keeps it: `~/…` under the home folder, else absolute. */
function portablePath(path: string): string {
  const home = homedir();
  const rel = relative(home, path);
  return rel && !rel.startsWith("..") && !rel.startsWith(sep) ? `~/${rel}` : path;
}

/**
 * Binds a stack to the cluster its kubeconfig reaches now: reads the cluster's API server and
 * kube-system UID and writes them with the kubeconfig and context into `ndc:cluster` of the stack
 * file (comments and everything else kept). From then on `preview` and `up` refuse any other cluster.
 * The whole file is validated before it is written: a bad binding changes nothing.
 * @throws when the stack file is missing, no kubeconfig is named, or the cluster does not answer
 */
export async function bindStack(opts: BindOptions): Promise<BindResult> {
  const cwd = opts.cwd ?? repoRoot;
  const file = await stackFilePath(cwd, opts.stack);
  if (!existsSync(file)) throw new Error(`stack ${opts.stack} has no stack file ${file}: bind a stack that exists`);
  const text = await readFile(file, "utf8");
  const doc = parseDocument(text);
  const existing = (doc.getIn(["config", "ndc:cluster"]) as { toJSON(): ClusterBindingConfig } | undefined)?.toJSON() ?? {};
  const kubeconfigArg = opts.kubeconfig ?? existing.kubeconfig;
  if (!kubeconfigArg) throw new Error(`stack ${opts.stack}: name the cluster's kubeconfig with --kubeconfig <file> (ndc:cluster names none)`);
  // A path given now is relative to where the command runs; one from the file, to the project.
  const path = opts.kubeconfig
    ? resolve(opts.kubeconfig)
    : kubeconfigArg.startsWith("~/")
      ? join(homedir(), kubeconfigArg.slice(2))
      : resolve(cwd, kubeconfigArg);
  // A kubeconfig named now comes with its own current-context unless told otherwise.
  const context = opts.context ?? (opts.kubeconfig ? undefined : existing.context);
  const where = `the kubeconfig ${path}${context ? ` (context ${context})` : ""}`;
  if (!existsSync(path)) throw new Error(`stack ${opts.stack}: ${where} does not exist`);
  const identity = await readClusterIdentity(await readFile(path, "utf8"), context, where);

  const binding: ClusterBindingConfig = {
    kubeconfig: opts.kubeconfig ? portablePath(path) : kubeconfigArg,
    ...(context ? { context } : {}),
    server: identity.server,
    uid: identity.uid,
  };
  doc.setIn(["config", "ndc:cluster"], doc.createNode(binding));
  // Written as close to the file as given as the YAML library allows (flow maps, long lines).
  const next = doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
  // Validate the file as it would be written (the model's rules, and that the binding is complete).
  const config = parseStackFile(next, file);
  const resolved = resolveClusterBinding(config.cluster, opts.stack, true, file) as BoundCluster;
  await writeFile(file, next);
  const previous = existing.uid !== undefined && existing.uid !== identity.uid ? { server: existing.server, uid: existing.uid } : undefined;
  return { file, binding: resolved, ...(previous ? { previous } : {}) };
}
