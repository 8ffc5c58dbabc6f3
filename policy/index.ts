// The ndc policy pack: `pulumi preview --policy-pack policy` enforces DOMAIN.md's rules on any stack.
// The checks are pure functions in this folder (tested without the engine); this file only serves them.
import { PolicyPack } from "@pulumi/policy";
import { NDC_POLICIES } from "./policies.ts";

new PolicyPack("ndc-policies", { enforcementLevel: "mandatory", policies: NDC_POLICIES });
