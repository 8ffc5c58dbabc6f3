export { startLocalPlatform, type LocalPlatform, type LocalPlatformOptions } from "./start-local-platform.ts";
export { writeControlPlaneKubeconfig } from "./control-plane-kubeconfig.ts";
export { createLocalNodes } from "./local-nodes.ts";
