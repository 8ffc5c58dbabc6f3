import { Type, type Static } from "@sinclair/typebox";
import { OneOf } from "./_literals.ts";
import { inCharacters } from "./characters.ts";
import { SlugSchema } from "./names.ts";
import { DATA_CLASSES, PERSONAL_DATA, SECURITY_LEVELS, STAGES, ZONES } from "./policy.ts";
import { BYTES_QUANTITY_PATTERN, CPU_QUANTITY_PATTERN } from "./quantity.ts";

const Quantity = (description: string, pattern: string) =>
  Type.String({
    minLength: 1,
    maxLength: 32,
    pattern,
    description,
    "x-rule": "quantity-format",
    "x-message": `must be a Kubernetes quantity matching ${pattern}`,
  });

/** Compute and storage an environment asks for, as Kubernetes quantities. */
export const ResourceRequestSchema = Type.Object(
  {
    cpu: Quantity('CPU cores, e.g. "8", "0.5" or "500m"', CPU_QUANTITY_PATTERN),
    memory: Quantity('memory, e.g. "32Gi"', BYTES_QUANTITY_PATTERN),
    storage: Type.Optional(
      Type.Record(Type.String({ pattern: "^[a-z0-9-]+$" }), Quantity('capacity per storage tier, e.g. "500Gi"', BYTES_QUANTITY_PATTERN), {
        description: "storage per tier name of the site",
      }),
    ),
    gpu: Type.Optional(Type.Integer({ minimum: 0, maximum: 64, description: "whole GPUs" })),
  },
  { additionalProperties: false },
);

/** Group name from the identity provider. */
const GroupName = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9][A-Za-z0-9._:@/-]*$" });

/**
 * What an organization asks for: the body of `POST /v1/organizations/{org}/environments` and the
 * shape of statically declared environments in a site stack. The single source of its types.
 */
export const EnvironmentSpecSchema = Type.Object(
  {
    name: SlugSchema("environment name; the namespace is <org>-<name>", 50),
    stage: OneOf(STAGES),
    zone: OneOf(ZONES),
    dataClass: OneOf(DATA_CLASSES),
    personalData: OneOf(PERSONAL_DATA),
    personalDataSubjects: Type.Optional(Type.Integer({ minimum: 0, description: "citizens whose personal data is held; large volumes raise the data class" })),
    securityLevel: OneOf(SECURITY_LEVELS),
    sites: Type.Array(SlugSchema("site id"), { minItems: 1, maxItems: 3, uniqueItems: true }),
    resources: ResourceRequestSchema,
    owners: Type.Array(GroupName, { minItems: 1, maxItems: 20, uniqueItems: true }),
    viewers: Type.Optional(Type.Array(GroupName, { maxItems: 20, uniqueItems: true })),
    purpose: inCharacters({ minLength: 1, maxLength: 500, description: "what the environment is for, in characters (Vietnamese diacritics count once)" }),
    allowLoadBalancer: Type.Optional(Type.Boolean({ description: "needs the organization's entitlement; default false" })),
  },
  { additionalProperties: false },
);

export type EnvironmentSpec = Static<typeof EnvironmentSpecSchema>;
export type ResourceRequest = Static<typeof ResourceRequestSchema>;

/** An environment as the builder sees it: whose it is, and what it asks for. */
export interface Environment {
  readonly org: string;
  readonly spec: EnvironmentSpec;
  /** A national database declared by the platform: security level 5 applies. @default false */
  readonly nationalDatabase?: boolean;
}
