export { ensurePulumiEngine, type PulumiEngine } from "./engine.ts";
export { localDevPassphrase, pulumiEnv, pulumiHome, pulumiStateDir, type PulumiEnvOptions } from "./environment.ts";
export { runPulumi, type PulumiResult, type RunPulumiOptions } from "./run-pulumi.ts";
