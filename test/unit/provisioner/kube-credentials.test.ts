import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { inClusterCredentials, readKubeconfigFile } from "../../../control-plane/provisioner/index.ts";

const dir = mkdtempSync(join(tmpdir(), "ndc-kc-"));
const b64 = (s: string) => Buffer.from(s).toString("base64");

function kubeconfig(name: string, cluster: object, user: object, current = "ctx"): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": current,
      contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
      clusters: [{ name: "c", cluster }],
      users: [{ name: "u", user }],
    }),
  );
  return path;
}

describe("readKubeconfigFile", () => {
  test("reads inline certificate data", () => {
    const path = kubeconfig(
      "inline",
      { server: "https://127.0.0.1:6443", "certificate-authority-data": b64("CA") },
      { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") },
    );
    expect(readKubeconfigFile(path)).toEqual({ server: "https://127.0.0.1:6443", ca: "CA", cert: "CERT", key: "KEY", insecureSkipTlsVerify: false });
  });

  test("reads files relative to the kubeconfig, and a token", () => {
    writeFileSync(join(dir, "ca.crt"), "FILE-CA");
    const path = kubeconfig("files", { server: "https://10.0.0.1", "certificate-authority": "ca.crt" }, { token: "sa-token" });
    expect(readKubeconfigFile(path)).toEqual({ server: "https://10.0.0.1", ca: "FILE-CA", token: "sa-token", insecureSkipTlsVerify: false });
  });

  test("keeps a token file's path, so a rotated token is read again", () => {
    const path = kubeconfig("tokenfile", { server: "https://x" }, { tokenFile: "sa.token" });
    expect(readKubeconfigFile(path)).toEqual({ server: "https://x", tokenFile: join(dir, "sa.token"), insecureSkipTlsVerify: false });
  });

  test("fails when the user runs an exec plugin, saying what to use instead", () => {
    const path = kubeconfig("exec", { server: "https://x" }, { exec: { command: "aws" } });
    expect(() => readKubeconfigFile(path)).toThrow(
      `${path}: user u uses an exec or auth-provider plugin, which the control plane does not run; give it a client certificate or a token`,
    );
  });

  test("fails when the current context does not exist", () => {
    const path = kubeconfig("nocontext", { server: "https://x" }, {}, "other");
    expect(() => readKubeconfigFile(path)).toThrow(`${path}: current-context "other" is not among its contexts`);
  });
});

describe("inClusterCredentials", () => {
  test("uses the pod's ServiceAccount: service host and port, CA, token file", () => {
    const sa = mkdtempSync(join(tmpdir(), "ndc-sa-"));
    writeFileSync(join(sa, "ca.crt"), "POD-CA");
    expect(inClusterCredentials({ KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" }, sa)).toEqual({
      server: "https://10.0.0.1:443",
      ca: "POD-CA",
      tokenFile: join(sa, "token"),
    });
  });

  test("fails outside a pod, saying what to use instead", () => {
    expect(() => inClusterCredentials({})).toThrow("not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set); use NDC_KUBECONFIG_<SITE> instead");
  });
});
