import type { Actor } from "../store/index.ts";

/** Who the provisioner's transitions and drift repairs are recorded as. */
export const PROVISIONER_ACTOR: Actor = { subject: "system:provisioner", role: "system" };
