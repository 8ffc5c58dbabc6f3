// `ndc login` and `ndc logout`: keep the service URL and a token in a file only you can read.
import { Command } from "commander";
import { callApi } from "../api-client.ts";
import { configPath, parseApiUrl, parseTimeout, removeLogin, writeLogin } from "../connection.ts";
import { action } from "../command-kit.ts";
import { UsageError } from "../exit-codes.ts";

/** Reads the token: piped stdin, or typed at a prompt without echo. */
async function readToken(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = "";
    for await (const chunk of process.stdin) text += String(chunk);
    return text.trim();
  }
  process.stderr.write("token (not shown): ");
  process.stdin.setRawMode(true);
  process.stdin.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    let typed = "";
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") {
          done();
          return resolve(typed.trim());
        }
        if (ch === "\u0003") {
          done();
          return reject(new UsageError("interrupted; nothing stored"));
        }
        typed = ch === "\u007f" ? typed.slice(0, -1) : typed + ch;
      }
    };
    const done = () => {
      process.stdin.setRawMode(false);
      process.stdin.off("data", onData);
      process.stdin.pause();
      process.stderr.write("\n");
    };
    process.stdin.on("data", onData);
  });
}

export function loginCommand(): Command {
  return new Command("login")
    .description(
      `store the service URL and your token in ${configPath().replace(process.env.HOME ?? "\0", "~")} (mode 0600; $NDC_CONFIG moves it); the token is read from stdin or typed at a prompt, never taken as an argument`,
    )
    .requiredOption(
      "--api <url>",
      "the control plane's URL, e.g. https://ndc.example.gov.vn (http:// only to 127.0.0.1, ::1 or localhost, unless NDC_ALLOW_INSECURE_HTTP=1)",
    )
    .option("--request-timeout <seconds>", "timeout of the check request, in seconds", "10")
    .addHelpText(
      "after",
      "\nexamples:\n  ndc login --api https://ndc.example.gov.vn          # prompts for the token\n  pass show ndc/olga | ndc login --api http://127.0.0.1:8080",
    )
    .action(
      action(async (_ctx, flags: { api: string; requestTimeout: string }) => {
        const api = parseApiUrl(flags.api, "--api");
        const timeoutMs = parseTimeout(flags.requestTimeout, "--request-timeout");
        const token = await readToken();
        if (!token) throw new UsageError("no token on stdin: pipe it in, or run ndc login in a terminal to type it");
        if (/\s/.test(token)) throw new UsageError("the token on stdin has spaces in it: pass exactly one token");
        // Check it before storing it: a wrong token or URL is said now, not at the next command.
        await callApi({ api, token, timeoutMs }, "GET", "/v1/sites");
        const path = configPath();
        writeLogin(path, { api: api.href.replace(/\/$/, ""), token });
        console.error(`logged in to ${api.origin}; token stored in ${path} (mode 0600)`);
      }),
    );
}

export function logoutCommand(): Command {
  return new Command("logout").description("remove the stored login file").action(
    action(async () => {
      const path = configPath();
      console.error(removeLogin(path) ? `removed ${path}` : `no login stored at ${path}`);
    }),
  );
}
