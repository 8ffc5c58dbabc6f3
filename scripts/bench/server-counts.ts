import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";

/** Namespaces on the API server (those matching `labelSelector`, if given), counted page by page: what is there, not what was asked for. */
export async function countNamespaces(kc: KubeConfig, labelSelector?: string): Promise<number> {
  const core = kc.makeApiClient(CoreV1Api);
  let total = 0;
  let _continue: string | undefined;
  do {
    const page = await core.listNamespace({ labelSelector, limit: 500, _continue });
    total += page.items.length;
    _continue = page.metadata?._continue || undefined;
  } while (_continue);
  return total;
}
