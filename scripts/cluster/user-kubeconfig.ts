import { createHash } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { issueClientCert, validateSubjectPart } from "./_certs.ts";
import { renderKubeconfig } from "./_kubeconfig.ts";
import { clusterDir, defaultClusterName, validateClusterName } from "./_paths.ts";
import { readState } from "./_state.ts";

/** Options of {@link issueUserKubeconfig}. */
export interface UserKubeconfigOptions {
  /** Kubernetes user name (certificate CN). */
  readonly user: string;
  /** Kubernetes groups (one certificate O each). @default none */
  readonly groups?: readonly string[];
  /** Cluster name. @default "local" */
  readonly cluster?: string;
  /** Where to write the kubeconfig. @default `<cluster dir>/users/<user>.<hash of groups>.kubeconfig` */
  readonly out?: string;
}

/**
 * Issues a client certificate for `user` in `groups`, signed by the cluster's CA, and writes a
 * self-contained kubeconfig for it.
 * @returns the kubeconfig path
 * @throws when the cluster is not running (start it with `tsx scripts/cluster.ts up`) or a name is invalid
 */
export async function issueUserKubeconfig(opts: UserKubeconfigOptions): Promise<string> {
  const name = validateClusterName(opts.cluster ?? defaultClusterName);
  const groups = opts.groups ?? [];
  validateSubjectPart("user", opts.user);
  const dir = clusterDir(name);
  const state = await readState(dir);
  if (!state) {
    throw new Error(`cluster "${name}" is not running: start it with \`tsx scripts/cluster.ts up --name ${name}\``);
  }
  const users = join(dir, "users");
  await mkdir(users, { recursive: true, mode: 0o700 });
  const tag = createHash("sha256")
    .update(JSON.stringify([opts.user, ...groups]))
    .digest("hex")
    .slice(0, 10);
  const base = join(users, `${opts.user.replace(/:/g, "_")}.${tag}`);
  const pki = { caCert: join(dir, "pki", "ca.crt"), caKey: join(dir, "pki", "ca.key") };
  const cert = await issueClientCert(pki, opts.user, groups, { cert: `${base}.crt`, key: `${base}.key` });
  const out = opts.out ?? `${base}.kubeconfig`;
  try {
    await writeFile(
      out,
      await renderKubeconfig({
        clusterName: `ndc-${name}`,
        userName: opts.user,
        server: state.server,
        caCert: pki.caCert,
        clientCert: cert.cert,
        clientKey: cert.key,
      }),
      { mode: 0o600 },
    );
  } finally {
    // The kubeconfig embeds them.
    await rm(cert.cert, { force: true });
    await rm(cert.key, { force: true });
  }
  return out;
}
