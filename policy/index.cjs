// Entry of the policy pack as the engine loads it: `@pulumi/pulumi/cmd/run-policy-pack` require()s the
// pack's main with ts-node and ignores PulumiPolicy.yaml's runtime options, while this pack is ESM
// TypeScript run by tsx like the rest of the repository. So this CommonJS shim imports index.ts through
// tsx's API; run-policy-pack awaits the exported promise.
const { tsImport } = require("tsx/esm/api");

module.exports = tsImport("./index.ts", __filename);
