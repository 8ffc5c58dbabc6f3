import * as pulumi from "@pulumi/pulumi";
import { configValues, parseSiteStack } from "../model/index.ts";
import { DataCenterSite } from "./data-center-site.ts";

/**
 * Pulumi reads stack files as YAML 1.1, where an unquoted `2026-01-01` is a timestamp, and hands it
 * over as Go prints it (`2026-01-01 00:00:00 +0000 UTC`). The config means the calendar date, so a
 * midnight-UTC timestamp is turned back into `YYYY-MM-DD`; anything else is left for the model to judge.
 */
export function undoYamlTimestamp(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const match = /^(\d{4}-\d{2}-\d{2}) 00:00:00 \+0000 UTC$/.exec(value);
  return match ? match[1] : value;
}

/** The stack file a stack's config comes from (`stackConfigDir: stacks`), named in every error. */
export function stackFileName(stack: string): string {
  return `stacks/Pulumi.${stack}.yaml`;
}

/**
 * The stack's `ndc:*` config values, without the prefix. Reads the whole config map (not key by key)
 * so a misspelt key such as `ndc:organisations` is reported instead of ignored. Pulumi hands object
 * values over as JSON text.
 */
export function readStackValues(config: Record<string, string> = pulumi.runtime.allConfig()): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(config)) {
    try {
      decoded[key] = JSON.parse(text, (_name, value: unknown) => undoYamlTimestamp(value));
    } catch {
      decoded[key] = undoYamlTimestamp(text); // a plain string value
    }
  }
  return configValues(decoded);
}

/**
 * The site program: validates the stack's values with the model and only then builds the site.
 * @throws ValidationError naming the stack file, the key path (`ndc:site.computePools[0].nodeCpu`)
 *   and the rule, before any resource is registered
 */
export function siteProgram(values: Record<string, unknown>, stack: string): DataCenterSite {
  const config = parseSiteStack(values, stackFileName(stack));
  return new DataCenterSite(config.site.id, { config, stack });
}
