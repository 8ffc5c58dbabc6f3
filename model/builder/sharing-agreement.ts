/**
 * A data-sharing agreement between two organizations' environments: the consumer may open
 * connections to the provider on one port. Built into network policy only once both organizations
 * and an operator approved it (DOMAIN.md, "between organizations").
 */
export interface SharingAgreement {
  /** Slug, unique on the platform; names the NetworkPolicy `ndc-share-<id>`. */
  readonly id: string;
  readonly provider: { readonly org: string; readonly environment: string };
  readonly consumer: { readonly org: string; readonly environment: string };
  readonly port: number;
  readonly protocol: "TCP" | "UDP";
  readonly approvedBy: { readonly provider: boolean; readonly consumer: boolean; readonly operator: boolean };
}

/** Whether an agreement may be enforced (all three approvals given). */
export function isAgreementInForce(a: SharingAgreement): boolean {
  return a.approvedBy.provider && a.approvedBy.consumer && a.approvedBy.operator;
}
