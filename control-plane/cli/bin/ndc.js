#!/usr/bin/env node
// The `ndc` executable (package.json "bin"): runs the TypeScript sources through tsx.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  // Exit 1 (usage): the command could not run as typed; the message says what to run instead.
  console.error(
    `ndc needs Node >= 22, found ${process.version}: in the repository run npm run -s ndc -- <command> (it bootstraps Node 24), or put Node 24 first on PATH`,
  );
  process.exit(1);
}
const { register } = await import("tsx/esm/api");
register();
const { runNdc } = await import("../main.ts");
const code = await runNdc(process.argv.slice(2));
// Let stdout drain before exiting (pipes are asynchronous).
process.stdout.write("", () => process.exit(code));
