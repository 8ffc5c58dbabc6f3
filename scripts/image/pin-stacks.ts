import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, parseDocument } from "yaml";
import { CONFIG_NAMESPACE, LOCAL_SITE_ID } from "../../model/index.ts";

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The repository of an image reference, without tag or digest:
 * `registry.ndc1.ndc.gov.vn/ndc/control-plane:0.1.0@sha256:…` → `registry.ndc1.ndc.gov.vn/ndc/control-plane`.
 * A registry port (`host:5000/ndc/x`) is not a tag.
 */
export function imageRepository(reference: string): string {
  const withoutDigest = reference.split("@")[0] ?? reference;
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** `<repository>:<tag>@<digest>`: the tag says which release it is, the digest which bytes. */
export function pinnedReference(repository: string, tag: string, digest: string): string {
  if (!DIGEST.test(digest)) throw new Error(`not an image digest: ${JSON.stringify(digest)} (expected sha256:<64 hex>)`);
  return `${repository}:${tag}@${digest}`;
}

/** What pinning did to one stack file. */
export interface PinnedStack {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

/**
 * Points a stack file's `ndc:controlPlane.image` at the built image: same repository (each site has
 * its own registry), `tag` and `digest`. Only that value's text changes; comments, layout and every
 * other value stay as they are. Returns undefined when the stack deploys no control plane or is the
 * local stack (its cluster runs no pods; its image may stay a tag).
 * @throws when the file is not a stack file
 */
export function pinStackText(text: string, tag: string, digest: string): { text: string; from: string; to: string } | undefined {
  const doc = parseDocument(text);
  const config = doc.get("config");
  if (!isMap(config)) throw new Error("not a stack file: no `config:` map");
  const site = doc.getIn(["config", `${CONFIG_NAMESPACE}:site`, "id"]);
  if (site === LOCAL_SITE_ID) return undefined;
  const cp = config.get(`${CONFIG_NAMESPACE}:controlPlane`, true);
  if (!isMap(cp)) return undefined;
  const node = cp.get("image", true);
  if (!isScalar(node) || typeof node.value !== "string" || !node.range) return undefined;
  const from = node.value;
  const to = pinnedReference(imageRepository(from), tag, digest);
  const [start, valueEnd] = node.range;
  const written = text.slice(start, valueEnd);
  // A plain scalar is written as is; a quoted one keeps its quotes.
  const replacement = written.startsWith('"') ? JSON.stringify(to) : written.startsWith("'") ? `'${to}'` : to;
  return { text: text.slice(0, start) + replacement + text.slice(valueEnd), from, to };
}

/** One stack that deploys the control plane: what it names now and what it would name pinned. */
export interface StackPin extends PinnedStack {
  readonly text: string;
  readonly pinnedText: string;
}

/**
 * What pinning every stack in `stacksDir` to `tag`/`digest` would change (stacks that deploy the
 * control plane, the local stack excepted), without writing.
 */
export function planStackPins(stacksDir: string, tag: string, digest: string): StackPin[] {
  const pins: StackPin[] = [];
  for (const name of readdirSync(stacksDir)
    .filter((f) => /^Pulumi\.[A-Za-z0-9_.-]+\.yaml$/.test(f))
    .sort()) {
    const file = join(stacksDir, name);
    const text = readFileSync(file, "utf8");
    const result = pinStackText(text, tag, digest);
    if (result) pins.push({ file, from: result.from, to: result.to, text, pinnedText: result.text });
  }
  return pins;
}

/** Pins every stack {@link planStackPins} finds, writing only the files whose reference changes. */
export function pinStacks(stacksDir: string, tag: string, digest: string): PinnedStack[] {
  return planStackPins(stacksDir, tag, digest).map((p) => {
    if (p.pinnedText !== p.text) writeFileSync(p.file, p.pinnedText);
    return { file: p.file, from: p.from, to: p.to };
  });
}
