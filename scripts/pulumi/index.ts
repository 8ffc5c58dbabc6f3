export { ensurePulumiEngine, type PulumiEngine } from "./engine.ts";
export { localDevPassphrase, pulumiEnv, pulumiHome, pulumiStateDir, type PulumiEnvOptions } from "./environment.ts";
export { runPulumi, type PulumiResult, type RunPulumiOptions } from "./run-pulumi.ts";
export { bindStack, stackFilePath, type BindOptions, type BindResult } from "./bind.ts";
export { copyProgram, prepareStack, type PrepareStackOptions } from "./project-copy.ts";
export { resolveStateSettings, stackNamedIn, type DeclaredState, type StateEnvironment, type StateSettings } from "./state-settings.ts";
export {
  isLockRefusal,
  LOCKING_COMMANDS,
  PULUMI_METRIC_NAMES,
  readUpdateState,
  UpdateMetrics,
  updateMetricsFile,
  updateMetricsText,
  writeUpdateState,
  type UpdateState,
} from "./update-metrics.ts";
