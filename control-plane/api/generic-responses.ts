import type { RouteOptions } from "fastify";
import { problems } from "./schemas.ts";

interface RouteSchema {
  response?: Record<string, unknown>;
  params?: unknown;
  querystring?: unknown;
  headers?: unknown;
  body?: unknown;
  hide?: boolean;
}

/**
 * Documents on every operation the answers that come from the service's common machinery rather
 * than the handler, so that every code it can return is in the document: 400 where any request part
 * has a schema, 401/429/503 where a token is needed (authentication, failed-login throttling, the
 * denial's audit record or the identity provider unavailable), 413/415 with a body, 429 under the
 * rate limit. `body-bearing` methods get 413/415 even without a body schema.
 */
export function documentGenericResponses(route: RouteOptions, rateLimited: boolean): void {
  const schema = route.schema as RouteSchema | undefined;
  if (!schema || schema.hide) return;
  const config = (route.config ?? {}) as { public?: boolean; rateLimit?: unknown };
  const statuses: number[] = [];
  if (schema.params || schema.querystring || schema.headers || schema.body) statuses.push(400);
  if (!config.public) statuses.push(401, 429, 503);
  // Fastify reads a body on any method that may carry one, whether the route wants it or not.
  const methods = [route.method].flat();
  if (schema.body || methods.some((m) => ["POST", "PUT", "PATCH", "DELETE"].includes(m))) statuses.push(413, 415);
  if (rateLimited && config.rateLimit !== false) statuses.push(429);
  const response = (schema.response ??= {});
  for (const [status, entry] of Object.entries(problems(...statuses))) if (!(status in response)) response[status] = entry;
}
