import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { $, which } from "zx";

/** Files of a cluster's public key infrastructure, all PEM. */
export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  /** Service-account token signing key pair. */
  readonly saKey: string;
  readonly saPub: string;
}

/** A client certificate and its key. */
export interface ClientCert {
  readonly cert: string;
  readonly key: string;
}

const quiet = $({ quiet: true });

/**
 * Checks that openssl is on PATH.
 * @throws with how to install it
 */
export async function requireOpenssl(): Promise<void> {
  if (!(await which("openssl", { nothrow: true }))) {
    throw new Error("openssl is not on PATH: install it (`apt-get install openssl`)");
  }
}

// One name element of a certificate subject; kept to characters that need no escaping in `-subj`.
const subjectPart = /^[A-Za-z0-9][A-Za-z0-9:._@-]{0,127}$/;

/**
 * Validates a user or group name for a client certificate.
 * @throws naming the field, the value and the allowed characters
 */
export function validateSubjectPart(field: string, value: string): string {
  if (!subjectPart.test(value)) {
    throw new Error(`${field} "${value}" is invalid: use 1-128 characters from letters, digits and ':._@-', starting with a letter or digit`);
  }
  return value;
}

/** Signs a fresh P-256 key's certificate with the cluster CA. */
async function signLeaf(pki: Pick<Pki, "caCert" | "caKey">, out: ClientCert, subject: string, extensions: string, days: number): Promise<void> {
  const base = out.cert.replace(/\.crt$/, "");
  const csr = `${base}.csr`;
  const ext = `${base}.ext`;
  await writeFile(ext, extensions);
  try {
    await quiet`openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ${out.key} -out ${csr} -subj ${subject}`;
    // A random serial instead of -CAcreateserial: concurrent issuers would race on the .srl file.
    const serial = `0x${randomBytes(16).toString("hex")}`;
    await quiet`openssl x509 -req -in ${csr} -CA ${pki.caCert} -CAkey ${pki.caKey} -set_serial ${serial} -days ${days} -sha256 -extfile ${ext} -out ${out.cert}`;
  } finally {
    await rm(csr, { force: true });
    await rm(ext, { force: true });
  }
}

/**
 * Creates the cluster's CA, API server serving certificate (SAN 127.0.0.1, localhost), admin client
 * certificate (O=system:masters) and service-account key pair, keeping any that already exist so
 * kubeconfigs issued earlier stay valid across `down` and `up`.
 */
export async function ensurePki(dir: string): Promise<Pki> {
  await requireOpenssl();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pki: Pki = {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    servingCert: join(dir, "apiserver.crt"),
    servingKey: join(dir, "apiserver.key"),
    adminCert: join(dir, "admin.crt"),
    adminKey: join(dir, "admin.key"),
    saKey: join(dir, "sa.key"),
    saPub: join(dir, "sa.pub"),
  };
  if (!existsSync(pki.caCert) || !existsSync(pki.caKey)) {
    await quiet`openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ${pki.caKey} -out ${pki.caCert} -days 3650 -sha256 -subj /CN=ndc-local-ca -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign`;
    // A new CA invalidates every leaf signed by the old one.
    for (const f of [pki.servingCert, pki.adminCert]) await rm(f, { force: true });
  }
  if (!existsSync(pki.servingCert)) {
    await signLeaf(
      pki,
      { cert: pki.servingCert, key: pki.servingKey },
      "/CN=kube-apiserver",
      [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth",
        // 10.0.0.1 is the `kubernetes` Service IP in --service-cluster-ip-range=10.0.0.0/24.
        "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local",
      ].join("\n") + "\n",
      825,
    );
  }
  if (!existsSync(pki.adminCert)) {
    await issueClientCert(pki, "ndc-admin", ["system:masters"], { cert: pki.adminCert, key: pki.adminKey });
  }
  if (!existsSync(pki.saKey) || !existsSync(pki.saPub)) {
    await quiet`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ${pki.saKey}`;
    await quiet`openssl pkey -in ${pki.saKey} -pubout -out ${pki.saPub}`;
  }
  return pki;
}

/**
 * Issues a client certificate that Kubernetes reads as user `user` (CN) in `groups` (one O each).
 * @throws when a name has characters a certificate subject cannot carry unescaped
 */
export async function issueClientCert(
  pki: Pick<Pki, "caCert" | "caKey">,
  user: string,
  groups: readonly string[],
  out: ClientCert,
  days = 365,
): Promise<ClientCert> {
  validateSubjectPart("user", user);
  for (const g of groups) validateSubjectPart("group", g);
  const subject = [...groups.map((g) => `/O=${g}`), `/CN=${user}`].join("");
  await signLeaf(
    pki,
    out,
    subject,
    ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment", "extendedKeyUsage=clientAuth"].join("\n") + "\n",
    days,
  );
  return out;
}
