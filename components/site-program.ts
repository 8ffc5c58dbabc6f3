import * as pulumi from "@pulumi/pulumi";
import { configValues, parseSiteStack } from "../model/index.ts";
import { DataCenterSite } from "./data-center-site.ts";

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
      decoded[key] = JSON.parse(text);
    } catch {
      decoded[key] = text; // a plain string value
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
