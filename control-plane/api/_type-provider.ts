import type { Static, TSchema } from "@sinclair/typebox";
import type { FastifyTypeProvider } from "fastify";

/**
 * Route schemas are the types: request parts and replies are inferred from the TypeBox schemas.
 * (`@fastify/type-provider-typebox` 6 targets TypeBox 1.x; our schemas — and the model's — are
 * `@sinclair/typebox` 0.34, so the four lines of the provider live here.)
 */
export interface TypeBoxProvider extends FastifyTypeProvider {
  validator: this["schema"] extends TSchema ? Static<this["schema"]> : unknown;
  serializer: this["schema"] extends TSchema ? Static<this["schema"]> : unknown;
}
