export { buildProgram, runNdc } from "./main.ts";
export { EXIT, EXIT_CODES_HELP } from "./exit-codes.ts";
export { displayWidth, renderTable } from "./output.ts";
