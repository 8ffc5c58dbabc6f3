import { useEffect, useState } from "preact/hooks";
import { call } from "../api.ts";
import { usePortal } from "../context.ts";
import { translateValue } from "../i18n.ts";
import type { SiteSummary } from "../types.ts";

interface Amounts {
  readonly cpu: string;
  readonly memory: string;
}
interface Capacity {
  readonly site: string;
  readonly pools: readonly { name: string; zones: string[]; dedicated: boolean; capacity: Amounts; committed: Amounts; available: Amounts }[];
  readonly storage: readonly { tier: string; capacity: string; committed: string; available: string }[];
}

/** The sites and what each pool and storage tier holds and has left. */
export function SitesPage() {
  const { lang, token, t } = usePortal();
  const [sites, setSites] = useState<readonly SiteSummary[] | null>(null);
  const [capacity, setCapacity] = useState<Readonly<Record<string, Capacity>>>({});

  useEffect(() => {
    void (async () => {
      const s = (await call<{ items: SiteSummary[] }>(token, "GET", "/v1/sites")).body.items;
      setSites(s);
      const entries = await Promise.all(
        s
          .filter((x) => x.configured)
          .map(async (x) => [x.id, (await call<Capacity>(token, "GET", `/v1/sites/${encodeURIComponent(x.id)}/capacity`)).body] as const),
      );
      setCapacity(Object.fromEntries(entries));
    })().catch(() => undefined);
  }, [token]);

  if (!sites) return <p role="status">{t("app.loading")}</p>;
  return (
    <section>
      <h1 tabIndex={-1}>{t("sites.title")}</h1>
      <table>
        <thead>
          <tr>
            <th scope="col">{t("sites.id")}</th>
            <th scope="col">{t("sites.status")}</th>
            <th scope="col">{t("sites.location")}</th>
            <th scope="col">{t("sites.zones")}</th>
            <th scope="col">{t("sites.tiers")}</th>
          </tr>
        </thead>
        <tbody>
          {sites.map((s) => (
            <tr data-site={s.id}>
              <th scope="row">{s.id}</th>
              <td>{translateValue(lang, "siteStatus", s.status)}</td>
              <td>{s.location}</td>
              <td>{s.zones.join(", ")}</td>
              <td>{s.storageTiers.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {sites.map((s) => {
        const c = capacity[s.id];
        return (
          <section aria-labelledby={`cap-${s.id}`}>
            <h2 id={`cap-${s.id}`}>{t("sites.capacityOf", { site: s.id })}</h2>
            {!s.configured || !c ? (
              <p>{s.configured ? t("app.loading") : t("sites.notConfigured")}</p>
            ) : (
              <>
                <table data-capacity={s.id}>
                  <thead>
                    <tr>
                      <th scope="col">{t("sites.pool")}</th>
                      <th scope="col">{t("sites.zones")}</th>
                      <th scope="col">{t("sites.cpu")}</th>
                      <th scope="col">{t("sites.memory")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.pools.map((p) => (
                      <tr>
                        <th scope="row">
                          {p.name} ({p.dedicated ? t("sites.dedicated") : t("sites.shared")})
                        </th>
                        <td>{p.zones.join(", ")}</td>
                        <td>
                          {p.committed.cpu} / {p.capacity.cpu} ({p.available.cpu})
                        </td>
                        <td>
                          {p.committed.memory} / {p.capacity.memory} ({p.available.memory})
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t("sites.tier")}</th>
                      <th scope="col">{t("sites.storage")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.storage.map((x) => (
                      <tr>
                        <th scope="row">{x.tier}</th>
                        <td>
                          {x.committed} / {x.capacity} ({x.available})
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </section>
        );
      })}
    </section>
  );
}
