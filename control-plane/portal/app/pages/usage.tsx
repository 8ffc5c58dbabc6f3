import { useEffect, useState } from "preact/hooks";
import { ApiError, call } from "../api.ts";
import { usePortal } from "../context.ts";
import { formatCores, formatMoney, formatSize, vietnamMonth } from "../format.ts";
import { formatDate, translate } from "../i18n.ts";
import type { Problem } from "../problems.ts";
import type { Organization } from "../types.ts";
import { useReport } from "../report.ts";
import { Field, Notice } from "../ui.tsx";
import type { UsageReportResource } from "../../../api/index.ts";

/** A page of a usage report as the API returns it (the API's own schema type). */
type UsageReport = UsageReportResource;

/** Showback for a month: the caller's organization, or the platform (or one organization) for platform roles. */
export function UsagePage() {
  const { lang, token, me, t } = usePortal();
  const platformWide = me.org === null;
  const [orgs, setOrgs] = useState<readonly Organization[]>([]);
  const [draft, setDraft] = useState({ month: vietnamMonth(), org: me.org ?? "" });
  const [applied, setApplied] = useState(draft);

  useEffect(() => {
    if (platformWide)
      void call<{ items: Organization[] }>(token, "GET", "/v1/organizations")
        .then((r) => setOrgs(r.body.items))
        .catch(() => undefined);
  }, [token]);

  const query = new URLSearchParams({ month: applied.month, limit: "50" }).toString();
  const reading = useReport<UsageReport>(applied.org ? `/v1/organizations/${encodeURIComponent(applied.org)}/usage?${query}` : `/v1/usage?${query}`, ["lines"]);
  // A refusal takes the report's place (the month's error shows next to its field); the pages read before it are not shown.
  const problem: Problem | null = reading.failure instanceof ApiError ? reading.failure.problem : null;
  const report = problem ? null : reading.report;

  const monthError = problem?.errors.some((i) => i.field === "query.month") ? [translate(lang, "error.monthFormat")] : [];
  const otherError = problem && monthError.length === 0 ? translate(lang, "error.status", { status: problem.status, detail: problem.detail }) : null;
  return (
    <section>
      <h1 tabIndex={-1}>{t("usage.title")}</h1>
      <p>{t("usage.intro")}</p>
      <form class="filters" aria-labelledby="usage-filters" onSubmit={(e) => (e.preventDefault(), setApplied({ ...draft }))}>
        <h2 id="usage-filters" class="visually-hidden">
          {t("usage.show")}
        </h2>
        <Field id="usage-month" label={t("usage.month")} errors={monthError}>
          {(a11y) => <input {...a11y} type="month" value={draft.month} onInput={(e) => setDraft({ ...draft, month: e.currentTarget.value })} />}
        </Field>
        {platformWide && (
          <Field id="usage-org" label={t("usage.org")}>
            {(a11y) => (
              <select {...a11y} value={draft.org} onChange={(e) => setDraft({ ...draft, org: e.currentTarget.value })}>
                <option value="">{t("usage.platform")}</option>
                {orgs.map((o) => (
                  <option value={o.slug}>
                    {o.slug} — {o.name[lang]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <button type="submit" class="primary">
          {t("usage.show")}
        </button>
      </form>
      {otherError && <Notice kind="error">{otherError}</Notice>}
      {!report && !problem && <p role="status">{t("app.loading")}</p>}
      {report && (
        <section aria-labelledby="usage-total" data-testid="usage-report">
          <h2 id="usage-total" data-testid="usage-total">
            {t("usage.total", { month: report.month, total: formatMoney(lang, report.total) })}
          </h2>
          {report.lines.length === 0 ? (
            <p>{t("usage.empty")}</p>
          ) : (
            <>
              {platformWide && (
                <table class="usage-orgs">
                  <caption>{t("usage.byOrg")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("usage.org")}</th>
                      <th scope="col">{t("usage.cost")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.organizations.map((o) => (
                      <tr data-org={o.org}>
                        <th scope="row">{o.org}</th>
                        <td>{formatMoney(lang, o.total)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <table class="usage-lines">
                <caption>{t("usage.lines")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("usage.environment")}</th>
                    <th scope="col">{t("usage.site")}</th>
                    <th scope="col">{t("usage.from")}</th>
                    <th scope="col">{t("usage.to")}</th>
                    <th scope="col">{t("usage.cpu")}</th>
                    <th scope="col">{t("usage.memory")}</th>
                    <th scope="col">{t("usage.prices")}</th>
                    <th scope="col">{t("usage.cost")}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.lines.map((l) => (
                    <tr data-line={`${l.org}/${l.environment}@${l.site}`}>
                      <th scope="row">
                        {l.org}/{l.environment}
                      </th>
                      <td>{l.site}</td>
                      <td>{formatDate(lang, l.from)}</td>
                      <td>{formatDate(lang, l.to)}</td>
                      <td>{formatCores(lang, l.amounts.cpuMillis)}</td>
                      <td>{formatSize(lang, l.amounts.memoryBytes)}</td>
                      <td>{l.priceVersion ?? t("usage.noPrice")}</td>
                      <td>{formatMoney(lang, l.cost.total)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {report.nextCursor && (
            <button type="button" onClick={reading.more}>
              {t("report.more")}
            </button>
          )}
        </section>
      )}
    </section>
  );
}
