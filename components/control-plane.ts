import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Policy, SiteStackConfig } from "../model/index.ts";
import { CONTROL_PLANE_NAME, CONTROL_PLANE_NAMESPACE, controlPlaneObjects, DATABASE_SECRET_NAME } from "./_control-plane-objects.ts";
import { dependenciesOf } from "./_dependencies.ts";
import { registerObjects } from "./_kubernetes-resources.ts";

/** Arguments of a {@link ControlPlane}. */
export interface ControlPlaneArgs {
  /** The validated stack; `controlPlane` gives the image and replicas (@default 2 replicas). */
  readonly config: SiteStackConfig;
  /** Stack name: the service gets `Pulumi.<stack>.yaml` in `NDC_STACKS_DIR`. */
  readonly stack: string;
  /** @default the model's current `POLICY` */
  readonly policy?: Policy;
}

/**
 * The control-plane service at a site: namespace `ndc-control-plane` in the `mgmt` zone, a
 * ServiceAccount bound to the model's least-privilege `ndc-control-plane` ClusterRole (never
 * cluster-admin), the stack file, Deployment, Service, NetworkPolicies and a PodDisruptionBudget,
 * and with `ndc:controlPlane.databaseUrl` the Secret that hands the pods that URL, kept a Pulumi
 * secret in state. Children: `${name}-namespace`, `${name}-<kind>-<object>`.
 */
export class ControlPlane extends pulumi.ComponentResource {
  readonly namespace: string;
  /** In-cluster URL of the API. */
  readonly url: string;

  constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ndc:index:ControlPlane", name, {}, opts);
    if (!args.config.controlPlane) throw new Error(`${name}: the stack declares no ndc:controlPlane`);
    this.namespace = CONTROL_PLANE_NAMESPACE;
    this.url = `http://${CONTROL_PLANE_NAME}.${CONTROL_PLANE_NAMESPACE}.svc`;
    const objects = controlPlaneObjects({ config: args.config, stack: args.stack, ...(args.policy ? { policy: args.policy } : {}) });
    const resources = registerObjects(this, name, objects, dependenciesOf(opts));
    const url = args.config.controlPlane.databaseUrl;
    if (typeof url === "string") {
      const ns = resources.find((r) => r instanceof k8s.core.v1.Namespace);
      new k8s.core.v1.Secret(
        `${name}-secret-${DATABASE_SECRET_NAME}`,
        {
          metadata: { name: DATABASE_SECRET_NAME, namespace: CONTROL_PLANE_NAMESPACE, labels: objects[0]!.metadata.labels ?? {} },
          type: "Opaque",
          stringData: pulumi.secret({ url }),
        },
        { parent: this, dependsOn: ns ? [ns] : [] },
      );
    }
    this.registerOutputs({ namespace: this.namespace, url: this.url });
  }
}
