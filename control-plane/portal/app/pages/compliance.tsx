import { useEffect, useState } from "preact/hooks";
import { ApiError, call } from "../api.ts";
import { usePortal } from "../context.ts";
import { formatDate, translate, translateValue } from "../i18n.ts";
import { useReport } from "../report.ts";
import type { Organization, SiteSummary } from "../types.ts";
import { Field, Notice } from "../ui.tsx";
import type { ComplianceReportResource } from "../../../api/index.ts";

/** A page of a compliance report as the API returns it (the API's own schema type). */
type ComplianceReport = ComplianceReportResource;

type Scope = { kind: "org"; id: string } | { kind: "site"; id: string };
const pathOf = (s: Scope) =>
  s.kind === "org" ? `/v1/organizations/${encodeURIComponent(s.id)}/compliance?limit=50` : `/v1/sites/${encodeURIComponent(s.id)}/compliance?limit=50`;

/** Compliance per organization (an organization: its own), or per site for platform roles, page by page. */
export function CompliancePage() {
  const { lang, token, me, t } = usePortal();
  const platformWide = me.org === null;
  const [orgs, setOrgs] = useState<readonly Organization[]>([]);
  const [sites, setSites] = useState<readonly SiteSummary[]>([]);
  const [draft, setDraft] = useState<{ kind: "org" | "site"; org: string; site: string }>({ kind: "org", org: me.org ?? "", site: "" });
  const [scope, setScope] = useState<Scope | null>(me.org ? { kind: "org", id: me.org } : null);
  const { report, failure, more } = useReport<ComplianceReport>(scope ? pathOf(scope) : null, ["environments", "exceptions"]);
  const error =
    failure !== null
      ? failure instanceof ApiError
        ? translate(lang, "error.status", { status: failure.status, detail: failure.problem.detail })
        : String(failure)
      : null;

  useEffect(() => {
    if (!platformWide) return;
    void (async () => {
      const o = (await call<{ items: Organization[] }>(token, "GET", "/v1/organizations")).body.items;
      const s = (await call<{ items: SiteSummary[] }>(token, "GET", "/v1/sites")).body.items.filter((x) => x.configured);
      setOrgs(o);
      setSites(s);
      setDraft((d) => ({ ...d, org: d.org || (o[0]?.slug ?? ""), site: d.site || (s[0]?.id ?? "") }));
    })().catch(() => undefined);
  }, [token]);

  const counts = report?.summary.byStatus ?? {};
  return (
    <section>
      <h1 tabIndex={-1}>{t("compliance.title")}</h1>
      <p>{t("compliance.intro")}</p>
      {platformWide && (
        <form
          class="filters"
          aria-labelledby="scope-title"
          onSubmit={(e) => (e.preventDefault(), setScope(draft.kind === "org" ? { kind: "org", id: draft.org } : { kind: "site", id: draft.site }))}
        >
          <h2 id="scope-title">{t("compliance.choose")}</h2>
          <Field id="c-kind" label={t("compliance.scope")}>
            {(a11y) => (
              <select {...a11y} value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.currentTarget.value as "org" | "site" })}>
                <option value="org">{t("compliance.byOrg")}</option>
                <option value="site">{t("compliance.bySite")}</option>
              </select>
            )}
          </Field>
          {draft.kind === "org" ? (
            <Field id="c-org" label={t("compliance.org")}>
              {(a11y) => (
                <select {...a11y} value={draft.org} onChange={(e) => setDraft({ ...draft, org: e.currentTarget.value })}>
                  {orgs.map((o) => (
                    <option value={o.slug}>
                      {o.slug} — {o.name[lang]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : (
            <Field id="c-site" label={t("compliance.site")}>
              {(a11y) => (
                <select {...a11y} value={draft.site} onChange={(e) => setDraft({ ...draft, site: e.currentTarget.value })}>
                  {sites.map((s) => (
                    <option value={s.id}>
                      {s.id} — {s.location}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <button type="submit" class="primary">
            {t("compliance.show")}
          </button>
        </form>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      {scope && !report && !error && <p role="status">{t("app.loading")}</p>}
      {report && (
        <section aria-labelledby="report-title" data-testid="compliance-report">
          <h2 id="report-title">
            {"org" in report.scope ? t("compliance.ofOrg", { org: report.scope.org }) : t("compliance.ofSite", { site: report.scope.site })}
          </h2>
          <p data-testid="compliance-summary">
            {t("compliance.summary", {
              environments: report.summary.environments,
              policy: report.summary.policyVersion,
              compliant: counts.compliant ?? 0,
              exception: counts.exception ?? 0,
              violation: counts.violation ?? 0,
            })}
          </p>
          {report.environments.length === 0 ? (
            <p>{t("compliance.empty")}</p>
          ) : (
            <table class="compliance">
              <caption class="visually-hidden">{t("compliance.title")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("compliance.environment")}</th>
                  <th scope="col">{t("compliance.phase")}</th>
                  <th scope="col">{t("compliance.sites")}</th>
                  <th scope="col">{t("compliance.zone")}</th>
                  <th scope="col">{t("compliance.class")}</th>
                  <th scope="col">{t("compliance.result")}</th>
                  <th scope="col">{t("compliance.findings")}</th>
                </tr>
              </thead>
              <tbody>
                {report.environments.map((e) => (
                  <tr data-environment={`${e.org}/${e.environment}`}>
                    <th scope="row">
                      {e.org}/{e.environment}
                    </th>
                    <td>{translateValue(lang, "phase", e.phase)}</td>
                    <td>{e.sites.join(", ")}</td>
                    <td>{translateValue(lang, "zone", e.zone)}</td>
                    <td>
                      {translateValue(lang, "dataClass", e.dataClass)} / {t("securityLevel.n", { level: e.securityLevel })}
                    </td>
                    <td>
                      <span class={`badge compliance-${e.status}`} data-status={e.status}>
                        {translateValue(lang, "complianceStatus", e.status)}
                      </span>
                    </td>
                    <td>
                      <details>
                        <summary>{t("compliance.findings")}</summary>
                        <ul class="plain findings">
                          {e.findings.map((f) => (
                            <li data-rule={f.rule}>
                              <strong>{translateValue(lang, "complianceRule", f.rule)}</strong>: {translateValue(lang, "complianceStatus", f.status)}.{" "}
                              {f.message}{" "}
                              <span class="hint">
                                {t("compliance.source")}: {f.source.law} {f.source.confirmed ? "" : t("compliance.unconfirmed")}
                              </span>
                            </li>
                          ))}
                        </ul>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>{t("compliance.exceptions")}</h3>
          {report.exceptions.length === 0 ? (
            <p>{t("compliance.noExceptions")}</p>
          ) : (
            <ul class="exceptions">
              {report.exceptions.map((x) => (
                <li data-exception={`${x.org}/${x.environment}/${x.rule}`}>
                  <strong>
                    {x.org}/{x.environment}
                  </strong>{" "}
                  — {translateValue(lang, "complianceRule", x.rule)}
                  {x.since ? `, ${t("compliance.since").toLowerCase()} ${formatDate(lang, x.since)}` : ""}: {x.message}
                </li>
              ))}
            </ul>
          )}
          {report.nextCursor && scope && (
            <button type="button" onClick={more}>
              {t("report.more")}
            </button>
          )}
        </section>
      )}
    </section>
  );
}
