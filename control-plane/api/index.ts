// The HTTP API: buildApp (no listen), the error catalogue, and the route schemas.
export * from "./app.ts";
export * from "./errors.ts";
export * from "./schemas.ts";
export { environmentResource, etag } from "./_presenters.ts";
export { TokenRequestSchema, TokenResponseSchema } from "./tokens.ts";
export type { AgreementResource } from "./sharing-agreements.ts";
export type { ComplianceReportResource, RoadmapResource, UsageReportResource } from "./reports.ts";
