/**
 * A tool built from Go modules into the version-keyed cache (`<cache>/bin/<name>-<version>/`).
 * Kubernetes, etcd and the Pulumi engine each export one; `scripts/toolchain/registry.ts` lists them.
 */
export interface ToolBuild {
  /** Short name used on the command line and in the cache path, e.g. `kubernetes`. */
  readonly name: string;
  /** Version that keys the cache, e.g. `v1.37.2`; a new version builds into a new folder. */
  readonly version: string;
  /** Executables the build leaves in `outDir`, e.g. `["kube-apiserver", "kubectl"]`. */
  readonly binaries: readonly string[];
  /** Builds every binary into `outDir` (an empty folder the caller creates and later publishes). */
  build(outDir: string): Promise<void>;
}
