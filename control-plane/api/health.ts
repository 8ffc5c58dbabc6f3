import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { Platform } from "../../model/index.ts";
import type { Store } from "../store/index.ts";
import { NdcError } from "./errors.ts";
import type { TypeBoxProvider } from "./_type-provider.ts";
import { problems } from "./schemas.ts";

/** Liveness (the process answers) and readiness (the store answers and sites are loaded). */
export const healthRoutes: FastifyPluginAsync<{ readonly store: Store; readonly platform: Platform }> = async (plain, { store, platform }) => {
  const app = plain.withTypeProvider<TypeBoxProvider>();
  const open = { public: true, rateLimit: false } as const;
  app.get(
    "/healthz",
    {
      config: open,
      schema: {
        operationId: "getHealth",
        tags: ["operations"],
        summary: "Liveness",
        security: [],
        response: { 200: Type.Object({ status: Type.Literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );
  app.get(
    "/readyz",
    {
      config: open,
      schema: {
        operationId: "getReadiness",
        tags: ["operations"],
        summary: "Readiness: the store answers",
        security: [],
        response: {
          200: Type.Object({ status: Type.Literal("ready"), store: Type.String(), sites: Type.Integer(), organizations: Type.Integer() }),
          ...problems(503),
        },
      },
    },
    async (request) => {
      try {
        await store.ping();
      } catch (error) {
        // The database's own words (host names, users, paths) go to the log, never to an anonymous caller.
        request.log.error({ err: error }, "readiness: the store does not answer");
        throw new NdcError("NDC_ERR_UNAVAILABLE", `the ${store.backend} store does not answer; the service log has the cause under this request id`);
      }
      return { status: "ready" as const, store: store.backend, sites: platform.sites.size, organizations: platform.organizations.size };
    },
  );
};
