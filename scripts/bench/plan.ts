// Which benchmarks `npm run bench` runs, at which sizes: quick, full, or full with a cap on environments.

/** One run of one benchmark script with its arguments. */
export interface BenchRun {
  readonly name: string;
  readonly script: string;
  readonly args: readonly string[];
}

/** The benchmarks and their sizes: quick for a check in minutes, full for the report. */
export function plan(quick: boolean, postgres: boolean): BenchRun[] {
  const runs: BenchRun[] = quick
    ? [
        { name: "provision", script: "provision.ts", args: ["--environments", "200", "--kubectl-environments", "50", "--drift-samples", "5"] },
        { name: "api-reads", script: "api-reads.ts", args: ["--environments", "2000", "--seconds", "3"] },
        ...(postgres ? [{ name: "api-reads", script: "api-reads.ts", args: ["--environments", "2000", "--seconds", "3", "--postgres"] }] : []),
        { name: "service-memory", script: "service-memory.ts", args: ["--environments", "300"] },
        { name: "three-sites", script: "three-sites.ts", args: ["--environments", "300"] },
        { name: "pulumi", script: "pulumi.ts", args: [] },
        { name: "audit-verify", script: "audit-verify.ts", args: ["--records", "100000"] },
      ]
    : [
        { name: "provision", script: "provision.ts", args: ["--environments", "1000", "--kubectl-environments", "200", "--drift-samples", "20"] },
        { name: "provision", script: "provision.ts", args: ["--environments", "3000", "--kubectl-environments", "300", "--drift-samples", "20"] },
        { name: "api-reads", script: "api-reads.ts", args: ["--environments", "10000", "--seconds", "10"] },
        ...(postgres
          ? [
              { name: "api-reads", script: "api-reads.ts", args: ["--environments", "10000", "--seconds", "10", "--postgres"] },
              { name: "api-reads", script: "api-reads.ts", args: ["--environments", "50000", "--seconds", "10", "--postgres"] },
            ]
          : []),
        { name: "service-memory", script: "service-memory.ts", args: ["--environments", "10000"] },
        { name: "service-memory", script: "service-memory.ts", args: ["--environments", "50000"] },
        { name: "three-sites", script: "three-sites.ts", args: ["--environments", "50000"] },
        { name: "pulumi", script: "pulumi.ts", args: [] },
        { name: "audit-verify", script: "audit-verify.ts", args: ["--records", "1000000"] },
      ];
  return runs;
}

/** The runs with every environment count above the cap lowered to it; runs that become the same run once. */
export function capped(all: readonly BenchRun[], limit: number | undefined): BenchRun[] {
  if (limit === undefined) return [...all];
  const seen = new Set<string>();
  return all
    .map((r) => ({ ...r, args: r.args.map((a, i) => (/-environments$/.test(r.args[i - 1] ?? "") && Number(a) > limit ? String(limit) : a)) }))
    .filter((r) => {
      const key = `${r.script} ${r.args.join(" ")}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
