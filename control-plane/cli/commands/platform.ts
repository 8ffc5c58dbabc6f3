// `ndc sites`, `ndc capacity [SITE]`, `ndc orgs`: the platform as the service sees it.
import { Command } from "commander";
import { apiPath, callApi } from "../api-client.ts";
import { action, withCommonOptions } from "../command-kit.ts";
import { emit, renderTable } from "../output.ts";

interface Site {
  readonly id: string;
  readonly status: string;
  readonly location: string;
  readonly configured: boolean;
  readonly zones: readonly string[];
  readonly storageTiers: readonly string[];
}

interface Amounts {
  readonly cpu: string;
  readonly memory: string;
  readonly gpu: number;
  readonly storage?: Record<string, string>;
}

interface Capacity {
  readonly site: string;
  readonly status: string;
  readonly pools: readonly {
    readonly name: string;
    readonly zones: readonly string[];
    readonly dedicated: boolean;
    readonly capacity: Amounts;
    readonly committed: Amounts;
    readonly available: Amounts;
  }[];
  readonly zones: Record<string, Amounts>;
  readonly storage: readonly { readonly tier: string; readonly capacity: string; readonly committed: string; readonly available: string }[];
}

interface Organization {
  readonly slug: string;
  readonly name: { readonly vi: string; readonly en: string };
  readonly kind: string;
  readonly maxDataClass: string;
  readonly maxSecurityLevel: number;
  readonly maxEnvironments: number;
  readonly entitlements: Record<string, Record<string, Amounts>>;
}

export function sitesCommand(): Command {
  return withCommonOptions(
    new Command("sites")
      .description("the data center's sites: status (planned, commissioning, active, draining), location, zones and storage tiers")
      .addHelpText("after", "\nexamples:\n  ndc sites\n  ndc sites -o json"),
  ).action(
    action(async (ctx) => {
      const page = await callApi<{ items: Site[] }>(ctx.connection(), "GET", "/v1/sites");
      emit(ctx.output, page, () =>
        renderTable(page.items, [
          { header: "site", value: (s) => s.id },
          { header: "status", value: (s) => s.status },
          { header: "location", value: (s) => s.location },
          { header: "zones", value: (s) => s.zones.join(",") },
          { header: "storage tiers", value: (s) => s.storageTiers.join(",") },
        ]),
      );
    }),
  );
}

/** A capacity report as text: pools, then storage tiers. */
function capacityText(c: Capacity): string {
  const pools = renderTable(c.pools, [
    { header: "pool", value: (p) => p.name },
    { header: "zones", value: (p) => p.zones.join(",") },
    { header: "cpu used/total", value: (p) => `${p.committed.cpu}/${p.capacity.cpu}` },
    { header: "cpu free", value: (p) => p.available.cpu },
    { header: "memory used/total", value: (p) => `${p.committed.memory}/${p.capacity.memory}` },
    { header: "memory free", value: (p) => p.available.memory },
    { header: "gpu free", value: (p) => p.available.gpu },
  ]);
  const storage =
    c.storage.length === 0
      ? ""
      : `\n\n${renderTable(c.storage, [
          { header: "storage tier", value: (s) => s.tier },
          { header: "committed", value: (s) => s.committed },
          { header: "capacity", value: (s) => s.capacity },
          { header: "available", value: (s) => s.available },
        ])}`;
  return `site ${c.site} (${c.status})\n${c.pools.length === 0 ? "no compute pools" : pools}${storage}`;
}

export function capacityCommand(): Command {
  return withCommonOptions(
    new Command("capacity")
      .description("capacity committed and available per compute pool and storage tier, for one site or every site")
      .argument("[site]", "a site id (ndc sites lists them); default: every site")
      .addHelpText("after", "\nexamples:\n  ndc capacity ndc1\n  ndc capacity -o json"),
  ).action(
    action(async (ctx, site: string | undefined) => {
      const conn = ctx.connection();
      if (site !== undefined) {
        const c = await callApi<Capacity>(conn, "GET", apiPath`/v1/sites/${site}/capacity`);
        emit(ctx.output, c, () => capacityText(c));
        return;
      }
      const sites = await callApi<{ items: Site[] }>(conn, "GET", "/v1/sites");
      const items = await Promise.all(sites.items.map((s) => callApi<Capacity>(conn, "GET", apiPath`/v1/sites/${s.id}/capacity`)));
      emit(ctx.output, { items }, () => items.map(capacityText).join("\n\n"));
    }),
  );
}

export function orgsCommand(): Command {
  return withCommonOptions(
    new Command("orgs")
      .description("onboarded organizations you may see (your own, or all for platform roles), with Vietnamese names")
      .addHelpText("after", "\nexamples:\n  ndc orgs\n  ndc orgs -o yaml"),
  ).action(
    action(async (ctx) => {
      const page = await callApi<{ items: Organization[] }>(ctx.connection(), "GET", "/v1/organizations");
      emit(ctx.output, page, () =>
        renderTable(page.items, [
          { header: "org", value: (o) => o.slug },
          { header: "name", value: (o) => o.name.vi },
          { header: "kind", value: (o) => o.kind },
          { header: "max class", value: (o) => `${o.maxDataClass}/${o.maxSecurityLevel}` },
          { header: "max envs", value: (o) => o.maxEnvironments },
          { header: "sites", value: (o) => Object.keys(o.entitlements).sort().join(",") },
        ]),
      );
    }),
  );
}
