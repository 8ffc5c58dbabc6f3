import { Type, type Static } from "@sinclair/typebox";

/**
 * Who may stand behind a subject, for four eyes: the `root` person accountable for it and every
 * subject that minted its token on the way down (`minters`, root side first). Each of them has seen
 * the token's secret, so each could act as the subject.
 *
 * Roots: an OIDC user is their own root (the identity provider vouches for the person). The first
 * admin, minted by the bootstrap token, is the installation's identity authority in token-only mode
 * (as the identity provider is for OIDC): a token it mints is handed to a person and is its own root.
 * Any other token is its minter acting, and carries the minter's root.
 */
export const LineageSchema = Type.Object({
  root: Type.String({ minLength: 1, description: "the person accountable for the subject" }),
  minters: Type.Array(Type.String(), { description: "subjects that minted the token, outermost first" }),
});
export type Lineage = Static<typeof LineageSchema>;

/** Subjects the service gives the bootstrap token (`bootstrap:<hash>`). */
const BOOTSTRAP_PREFIX = "bootstrap:";

/** A subject with nothing above it (OIDC users; records written before lineages were kept). */
export function ownLineage(subject: string): Lineage {
  return { root: subject, minters: [] };
}

/** The lineage of a token stored before migration 5, from its one recorded minter. */
export function legacyLineage(subject: string, createdBy: string): Lineage {
  return { root: createdBy.startsWith(BOOTSTRAP_PREFIX) ? subject : createdBy, minters: [createdBy] };
}

/** Whether `lineage` is the first admin's: minted by the bootstrap token, and so an identity authority. */
export function isInstallationAdmin(lineage: Lineage): boolean {
  return lineage.minters.length === 1 && lineage.minters[0]!.startsWith(BOOTSTRAP_PREFIX);
}

/** A minting principal as far as lineage goes. */
export interface Minter {
  readonly subject: string;
  readonly via: "token" | "oidc" | "bootstrap";
  readonly lineage?: Lineage;
}

/** The lineage of a token `minter` mints for `subject`. */
export function lineageOfMinted(minter: Minter, subject: string): Lineage {
  const above = minter.lineage ?? ownLineage(minter.subject);
  const minters = [...above.minters, minter.subject];
  // The bootstrap's admin and the admin's hand-outs are people of their own; everything else is delegation.
  if (minter.via === "bootstrap" || (minter.via === "token" && isInstallationAdmin(above))) return { root: subject, minters };
  return { root: above.root, minters };
}

/**
 * Why `approver` may not decide on what `author` asked for, or undefined when four eyes hold: the
 * approver is the author or one who minted the author's token; the author minted the approver's
 * token; or one root person stands behind both.
 */
export function sharedPerson(
  approver: { subject: string; lineage: Lineage },
  author: { subject: string; lineage: Lineage },
): "same-subject" | "holds-author-token" | "author-holds-token" | "same-root" | undefined {
  if (approver.subject === author.subject) return "same-subject";
  if (author.lineage.minters.includes(approver.subject) || author.lineage.root === approver.subject) return "holds-author-token";
  if (approver.lineage.minters.includes(author.subject) || approver.lineage.root === author.subject) return "author-holds-token";
  if (approver.lineage.root === author.lineage.root) return "same-root";
  return undefined;
}
