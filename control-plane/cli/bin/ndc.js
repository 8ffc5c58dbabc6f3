#!/usr/bin/env node
// The `ndc` executable (package.json "bin"): runs the TypeScript sources through tsx.
import { register } from "tsx/esm/api";

register();
const { runNdc } = await import("../main.ts");
const code = await runNdc(process.argv.slice(2));
// Let stdout drain before exiting (pipes are asynchronous).
process.stdout.write("", () => process.exit(code));
