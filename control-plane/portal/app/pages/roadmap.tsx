import { useEffect, useState } from "preact/hooks";
import { ApiError, call } from "../api.ts";
import { usePortal } from "../context.ts";
import { formatCores, formatSize } from "../format.ts";
import { translate, translateValue } from "../i18n.ts";
import { Notice } from "../ui.tsx";
import type { RoadmapResource } from "../../../api/index.ts";

/** The capacity roadmap as the API returns it (the API's own schema type). */
type Roadmap = RoadmapResource;
type Site = Roadmap["sites"][number];
type Amounts = Pick<Site["committed"], "cpuMillis" | "memoryBytes">;
type RunOut = Site["runOut"]["cpu"];

/** Capacity per site and roadmap phase against commitments, and when each runs out. */
export function RoadmapPage() {
  const { lang, token, t } = usePortal();
  const [roadmap, setRoadmap] = useState<Roadmap | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call<Roadmap>(token, "GET", "/v1/capacity/roadmap")
      .then((r) => setRoadmap(r.body))
      .catch((e) => setError(e instanceof ApiError ? translate(lang, "error.status", { status: e.status, detail: e.problem.detail }) : String(e)));
  }, [token]);

  const amounts = (a: Amounts) => t("roadmap.amounts", { cpu: formatCores(lang, a.cpuMillis), memory: formatSize(lang, a.memoryBytes) });
  const month = (m: RunOut) => m ?? t("roadmap.never");
  if (error) return <Notice kind="error">{error}</Notice>;
  if (!roadmap) return <p role="status">{t("app.loading")}</p>;
  return (
    <section>
      <h1 tabIndex={-1}>{t("roadmap.title")}</h1>
      <p>{t("roadmap.intro")}</p>
      {roadmap.sites.map((s) => (
        <section aria-labelledby={`roadmap-${s.site}`} data-roadmap={s.site}>
          <h2 id={`roadmap-${s.site}`}>{t("roadmap.site", { site: s.site, status: translateValue(lang, "siteStatus", s.status) })}</h2>
          <dl class="summary">
            <dt>{t("roadmap.committed")}</dt>
            <dd data-field="committed">{amounts(s.committed)}</dd>
            <dt>{t("roadmap.growth")}</dt>
            <dd>{amounts(s.growthPerMonth)}</dd>
            <dt>{t("roadmap.runOut")}</dt>
            <dd data-field="run-out">{t("roadmap.runOutAt", { cpu: month(s.runOut.cpu), memory: month(s.runOut.memory) })}</dd>
          </dl>
          <h3>{t("roadmap.phases")}</h3>
          {s.phases.length === 0 ? (
            <p>{t("roadmap.noPhases")}</p>
          ) : (
            <table class="phases">
              <thead>
                <tr>
                  <th scope="col">{t("roadmap.phase")}</th>
                  <th scope="col">{t("roadmap.years")}</th>
                  <th scope="col">{t("roadmap.onlineFrom")}</th>
                  <th scope="col">{t("roadmap.status")}</th>
                  <th scope="col">{t("roadmap.racks")}</th>
                  <th scope="col">{t("roadmap.cpu")}</th>
                  <th scope="col">{t("roadmap.memory")}</th>
                  <th scope="col">{t("roadmap.headroom")}</th>
                </tr>
              </thead>
              <tbody>
                {s.phases.map((p) => (
                  <tr data-phase-number={p.phase}>
                    <th scope="row">{p.phase}</th>
                    <td>
                      {p.from}–{p.to}
                    </td>
                    <td>{p.onlineFrom}</td>
                    <td>{translateValue(lang, "phaseStatus", p.status)}</td>
                    <td>{p.racks}</td>
                    <td>{formatCores(lang, p.capacity.cpuMillis)}</td>
                    <td>{formatSize(lang, p.capacity.memoryBytes)}</td>
                    <td>
                      {formatCores(lang, p.headroom.cpuMillis)} / {formatSize(lang, p.headroom.memoryBytes)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {s.pools.length > 0 && (
            <table class="pools">
              <caption>{t("roadmap.pools")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("roadmap.pool")}</th>
                  <th scope="col">
                    {t("roadmap.used")} (CPU / {t("roadmap.memory").toLowerCase()})
                  </th>
                  <th scope="col">{t("roadmap.runOut")}</th>
                </tr>
              </thead>
              <tbody>
                {s.pools.map((p) => (
                  <tr data-pool={p.name}>
                    <th scope="row">{p.name}</th>
                    <td>
                      {formatCores(lang, p.committed.cpuMillis)} / {formatCores(lang, p.capacity.cpuMillis)}; {formatSize(lang, p.committed.memoryBytes)} /{" "}
                      {formatSize(lang, p.capacity.memoryBytes)}
                    </td>
                    <td>{t("roadmap.runOutAt", { cpu: month(p.runOut.cpu), memory: month(p.runOut.memory) })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {s.storageTiers.length > 0 && (
            <table class="tiers">
              <caption>{t("roadmap.tiers")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("roadmap.tier")}</th>
                  <th scope="col">{t("roadmap.used")}</th>
                  <th scope="col">{t("roadmap.runOut")}</th>
                </tr>
              </thead>
              <tbody>
                {s.storageTiers.map((x) => (
                  <tr data-tier={x.name}>
                    <th scope="row">{x.name}</th>
                    <td>
                      {formatSize(lang, x.committedBytes)} / {formatSize(lang, x.capacityBytes)}
                    </td>
                    <td>{month(x.runOut)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </section>
  );
}
