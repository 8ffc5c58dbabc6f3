// The runbooks stay true: fixed sections, one alert per runbook and a runbook per alert (with the
// same severity), and every `ndc` command and flag they name exists in the command tree.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { buildProgram } from "../../control-plane/cli/index.ts";
import { repoRoot } from "../../scripts/toolchain/index.ts";

const dir = join(repoRoot, "runbooks");
const runbooks = readdirSync(dir)
  .filter((f) => f.endsWith(".md") && f !== "README.md")
  .sort();
const text = (file: string) => readFileSync(join(dir, file), "utf8");

interface Alert {
  readonly alert: string;
  readonly labels: { readonly severity: string };
  readonly annotations: { readonly summary: string; readonly runbook_url: string };
}
const alerts: Alert[] = (parseYaml(readFileSync(join(repoRoot, "monitoring/alerts.yaml"), "utf8")) as { groups: { rules: Alert[] }[] }).groups.flatMap(
  (g) => g.rules,
);

/** `Alert: \`A\` · Severity: s; \`B\` · Severity: t` → [[A, s], [B, t]]. */
function declaredAlerts(markdown: string): [string, string][] {
  const line = /^Alerts?: (.*)$/m.exec(markdown)?.[1] ?? "";
  return [...line.matchAll(/`(Ndc\w+)` · Severity: (critical|warning)/g)].map((m) => [m[1]!, m[2]!]);
}

/** The command a runbook line runs: `ndc <path…> <args…>` up to the end of that command. */
export function ndcInvocations(markdown: string): string[][] {
  const found: string[][] = [];
  for (const m of markdown.matchAll(/(?:^|[\s`(;$])ndc ([^`\n|;)>#]*)/g)) {
    // `npm run -s ndc -- <command>` runs ndc too; a placeholder command is not an invocation.
    const words = m[1]!
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .filter((w, i) => !(i === 0 && w === "--"));
    if (words.length === 0 || words[0]!.startsWith("<")) continue;
    // Quoted values: drop everything between quotes so a value is never taken for a flag.
    found.push(
      words
        .join(" ")
        .replace(/"[^"]*"|'[^']*'/g, "X")
        .split(/\s+/)
        .filter(Boolean),
    );
  }
  return found;
}

/** Problems with one invocation: an unknown command, or a flag its command does not have. */
export function checkInvocation(root: Command, words: readonly string[]): string[] {
  let cmd = root;
  const path: string[] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const sub = cmd.commands.find((c) => c.name() === words[i]);
    if (!sub) break;
    cmd = sub;
    path.push(words[i]!);
  }
  if (cmd === root) return [`ndc ${words.join(" ")}: no such command`];
  if (cmd.commands.length > 0) {
    const next = words[i];
    return [
      next !== undefined && !next.startsWith("-")
        ? `ndc ${path.join(" ")} ${next}: no such command`
        : `ndc ${path.join(" ")}: needs a subcommand (${cmd.commands.map((c) => c.name()).join(", ")})`,
    ];
  }
  const flags = new Set(["--help", "-h", ...cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)))]);
  return words
    .slice(i)
    .filter((w) => /^--?[a-z]/.test(w))
    .map((w) => w.split("=")[0]!)
    .filter((w) => !flags.has(w))
    .map((w) => `ndc ${path.join(" ")}: no flag ${w}`);
}

describe("runbooks", () => {
  test("there are at least ten, each indexed in runbooks/README.md", () => {
    expect(runbooks.length).toBeGreaterThanOrEqual(10);
    const index = text("README.md");
    expect(runbooks.filter((f) => !index.includes(`](${f})`))).toEqual([]);
  });

  test.each(runbooks)("%s has the sections Meaning, Impact, Diagnosis, Mitigation, Escalation in order", (file) => {
    const sections = [...text(file).matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(sections).toEqual(["Meaning", "Impact", "Diagnosis", "Mitigation", "Escalation"]);
  });

  test.each(runbooks)("%s names at least one alert of monitoring/alerts.yaml, each with its severity (a runbook without an alert turns it red)", (file) => {
    const declared = declaredAlerts(text(file));
    expect(declared.length, `${file} names no alert on its Alerts line`).toBeGreaterThan(0);
    for (const [name, severity] of declared) {
      const alert = alerts.find((a) => a.alert === name);
      expect(alert, `${file} names ${name}, which monitoring/alerts.yaml does not have`).toBeDefined();
      expect(alert!.labels.severity).toBe(severity);
      expect(alert!.annotations.runbook_url).toBe(`runbooks/${file}`);
    }
  });

  test("every alert points to a runbook that names it", () => {
    const byAlert = new Map(runbooks.flatMap((f) => declaredAlerts(text(f)).map(([a]) => [a, f] as const)));
    for (const alert of alerts) {
      expect(alert.annotations.runbook_url).toMatch(/^runbooks\/[a-z0-9-]+\.md$/);
      expect(byAlert.get(alert.alert), `${alert.alert} -> ${alert.annotations.runbook_url}`).toBe(alert.annotations.runbook_url.replace("runbooks/", ""));
      expect(["critical", "warning"]).toContain(alert.labels.severity);
      expect(alert.annotations.summary.length).toBeGreaterThan(10);
    }
  });

  test.each(runbooks)("%s: every ndc command and flag it names exists, and its Commands line lists them", (file) => {
    const root = buildProgram();
    const invocations = ndcInvocations(text(file));
    expect(invocations.length).toBeGreaterThan(0);
    expect(invocations.flatMap((words) => checkInvocation(root, words))).toEqual([]);
    const listed = (/^Commands: (.*)$/m.exec(text(file))?.[1] ?? "").split(", ").map((c) => c.replace(/`/g, "").replace(/^ndc /, ""));
    const used = new Set(
      invocations.map((words) =>
        words
          .filter((w, i) => i < 2 && /^[a-z]/.test(w))
          .slice(0, root.commands.find((c) => c.name() === words[0])?.commands.length ? 2 : 1)
          .join(" "),
      ),
    );
    // `ndc login` is the set-up every runbook shares; the rest must be listed.
    expect([...used].filter((u) => u !== "login" && !listed.includes(u))).toEqual([]);
  });
});

describe("checkInvocation", () => {
  const root = buildProgram();
  test.each([
    ["env frobnicate", ["ndc env frobnicate: no such command"]],
    ["frobnicate", ["ndc frobnicate: no such command"]],
    ["env", ["ndc env: needs a subcommand (list, get, create, resize, decommission, retry, watch)"]],
    ["queue --org byt --colour red", ["ndc queue: no flag --colour"]],
    ["approve byt/his --version 3 --wait -o json", []],
  ])("ndc %s", (line, problems) => {
    expect(checkInvocation(root, line.split(" "))).toEqual(problems);
  });

  test("quoted values are not taken for flags", () => {
    expect(ndcInvocations('run `ndc reject byt/his --version 2 --reason "--not-a-flag here"` now')).toEqual([
      ["reject", "byt/his", "--version", "2", "--reason", "X"],
    ]);
  });
});
