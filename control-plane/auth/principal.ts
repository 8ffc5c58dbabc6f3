import { Type, type Static } from "@sinclair/typebox";
import { LineageSchema, ownLineage, type Lineage } from "../domain/index.ts";

/** Roles of DESIGN.md section 5. `requester` and `org-admin` always belong to one organization. */
export const ROLES = ["requester", "org-admin", "operator", "auditor", "platform-admin"] as const;
export const RoleSchema = Type.Union(
  ROLES.map((r) => Type.Literal(r)),
  { description: "requester and org-admin need an org; the others are platform-wide unless given one" },
);
export type Role = (typeof ROLES)[number];

/** Roles that only make sense inside one organization. */
export const ORG_ROLES: readonly Role[] = ["requester", "org-admin"];

/** Who is calling, after authentication. */
export const PrincipalSchema = Type.Object({
  subject: Type.String({ minLength: 1 }),
  roles: Type.Array(RoleSchema),
  /** The organization the caller is confined to; absent for platform-wide operators and auditors. */
  org: Type.Optional(Type.String()),
  via: Type.Union([Type.Literal("token"), Type.Literal("oidc"), Type.Literal("bootstrap")]),
  /** For an API token: its root person and who minted it (and so has seen it); four eyes compares them. */
  lineage: Type.Optional(LineageSchema),
  /**
   * For an API token: its id (tokens it mints are revoked with it). For an API token or an OIDC
   * sign-in: when it expires (the OIDC token's `exp`); what it mints may not outlive it.
   */
  tokenId: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type Principal = Static<typeof PrincipalSchema>;

/** Who may stand behind a principal (an OIDC user or the bootstrap token: only themselves). */
export function lineageOf(principal: Pick<Principal, "subject" | "lineage">): Lineage {
  return principal.lineage ?? ownLineage(principal.subject);
}
