// A request read from a YAML or JSON file (`-` is stdin): an environment for `env create`, an offer
// for `agreement offer`. An `org` key names the organization the request is made for; it is not part
// of the request body.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { UsageError } from "./exit-codes.ts";

/**
 * Reads one mapping from `file`. `expected` says what it must hold, for the error message, e.g.
 * "one environment (a mapping with name, stage, zone, …)".
 * @throws UsageError naming the file and what is wrong with it
 */
export function readRequestFile(file: string, expected: string): { org: string | undefined; body: Record<string, unknown> } {
  let text: string;
  try {
    // `npm run ndc` runs in the repository root; a relative path means the caller's folder (INIT_CWD).
    text = readFileSync(file === "-" ? 0 : resolve(process.env.INIT_CWD ?? ".", file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`-f ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder, not a file" : (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both, with line numbers in its errors.
    parsed = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new UsageError(`-f ${file} is neither YAML nor JSON: ${(error as Error).message.split("\n")[0]!.replace(/:$/, "")}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UsageError(`-f ${file} must hold ${expected}, got ${Array.isArray(parsed) ? "a list" : JSON.stringify(parsed)}`);
  }
  const { org, ...body } = parsed as Record<string, unknown>;
  if (org !== undefined && typeof org !== "string")
    throw new UsageError(`-f ${file}: "org" must be an organization slug such as byt, got ${JSON.stringify(org)}`);
  return { org, body };
}
