import { useEffect, useState } from "preact/hooks";
import { ApiError, call } from "../api.ts";
import { usePortal } from "../context.ts";
import { formatDate, translate } from "../i18n.ts";
import type { Page } from "../types.ts";
import { Field, Notice } from "../ui.tsx";

/** An audit record as GET /v1/audit lists it. */
export interface AuditRecord {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly outcome: "allowed" | "denied";
  readonly status: number | null;
  readonly org: string | null;
  readonly target: string | null;
}
interface Verification {
  readonly ok: boolean;
  readonly checked: number;
  readonly problems: readonly { seq: number; problem: string; message: string }[];
  readonly checkpoint?: { seq: number; at: string; signature: string } | null;
}

interface Filters {
  action: string;
  actor: string;
  target: string;
  outcome: string;
  since: string;
  until: string;
}

/** The columns of an audit table after the record's number, in the order shown. */
const AUDIT_COLUMNS = ["at", "actor", "action", "outcome", "status", "org", "target"] as const;
export type AuditColumn = (typeof AUDIT_COLUMNS)[number];

/**
 * Audit records as a table, a row per record headed by its number: every column, or the ones named
 * (in the order of {@link AUDIT_COLUMNS}). The audit trail page and an agreement's page show it.
 */
export function AuditTable(props: { records: readonly AuditRecord[]; columns?: readonly AuditColumn[] }) {
  const { lang, t } = usePortal();
  const shown = AUDIT_COLUMNS.filter((c) => !props.columns || props.columns.includes(c));
  const cell = (r: AuditRecord, c: AuditColumn) => {
    switch (c) {
      case "at":
        return formatDate(lang, r.at);
      case "outcome":
        return r.outcome === "allowed" ? t("audit.allowed") : t("audit.denied");
      default:
        return r[c] ?? "";
    }
  };
  return (
    <table class="audit">
      <thead>
        <tr>
          <th scope="col">{t("audit.seq")}</th>
          {shown.map((c) => (
            <th scope="col">{t(`audit.${c}`)}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.records.map((r) => (
          <tr data-seq={r.seq}>
            <th scope="row">{r.seq}</th>
            {shown.map((c) => (
              <td>{cell(r, c)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A date picked in the form (a day in Vietnam) as the RFC 3339 instant the API takes. */
export function dayStart(day: string): string {
  return `${day}T00:00:00+07:00`;
}

/** The audit trail with filters, and the result of walking the hash chain. */
export function AuditPage() {
  const { lang, token, me, t } = usePortal();
  const [filters, setFilters] = useState<Filters>({ action: "", actor: "", target: "", outcome: "", since: "", until: "" });
  const [applied, setApplied] = useState<Filters>(filters);
  const [records, setRecords] = useState<readonly AuditRecord[] | null>(null);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [verification, setVerification] = useState<Verification | null>(null);

  const query = (f: Filters, after?: string) => {
    const q = new URLSearchParams({ limit: "50" });
    if (f.action) q.set("action", f.action);
    if (f.actor) q.set("actor", f.actor);
    if (f.target) q.set("target", f.target);
    if (f.outcome) q.set("outcome", f.outcome);
    if (f.since) q.set("since", dayStart(f.since));
    if (f.until) q.set("until", dayStart(f.until));
    if (after) q.set("cursor", after);
    return `/v1/audit?${q.toString()}`;
  };
  const load = async (f: Filters, after?: string) => {
    try {
      const r = await call<Page<AuditRecord>>(token, "GET", query(f, after));
      setRecords((prev) => (after && prev ? [...prev, ...r.body.items] : r.body.items));
      setCursor(r.body.nextCursor);
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? translate(lang, "error.status", { status: e.status, detail: e.problem.detail }) : String(e));
    }
  };
  useEffect(() => void load(applied), [applied, token]);

  const verify = async () => {
    try {
      setVerification((await call<Verification>(token, "GET", "/v1/audit/verify")).body);
    } catch (e) {
      setError(e instanceof ApiError ? e.problem.detail : String(e));
    }
  };
  const set = (key: keyof Filters) => (e: Event) => setFilters({ ...filters, [key]: (e.currentTarget as HTMLInputElement).value });

  return (
    <section>
      <h1 tabIndex={-1}>{t("audit.title")}</h1>
      {me.org === null ? (
        <div class="panel">
          <button type="button" onClick={() => void verify()}>
            {t("audit.verify")}
          </button>
          {verification && (
            <div class={`notice ${verification.ok ? "ok" : "error"}`} role="status" data-testid="verification">
              <p>
                {verification.ok
                  ? t("audit.verifyOk", { checked: verification.checked })
                  : t("audit.verifyBroken", { count: verification.problems.length, checked: verification.checked })}
              </p>
              {verification.problems.length > 0 && (
                <ul>
                  {verification.problems.map((p) => (
                    <li>{t("audit.verifyProblem", { seq: p.seq, problem: translate(lang, `audit.problem.${p.problem}` as "audit.problem.edited") })}</li>
                  ))}
                </ul>
              )}
              {verification.checkpoint && (
                <p>{t("audit.checkpoint", { seq: verification.checkpoint.seq, date: formatDate(lang, verification.checkpoint.at) })}</p>
              )}
            </div>
          )}
        </div>
      ) : (
        <p>{t("audit.verifyPlatformOnly")}</p>
      )}
      <form class="filters" onSubmit={(e) => (e.preventDefault(), setApplied(filters))} aria-labelledby="filters-title">
        <h2 id="filters-title">{t("audit.filters")}</h2>
        <Field id="f-action" label={t("audit.action")}>
          {(a11y) => <input {...a11y} value={filters.action} placeholder="environment.approve" onInput={set("action")} />}
        </Field>
        <Field id="f-actor" label={t("audit.actor")}>
          {(a11y) => <input {...a11y} value={filters.actor} onInput={set("actor")} />}
        </Field>
        <Field id="f-target" label={t("audit.target")}>
          {(a11y) => <input {...a11y} value={filters.target} placeholder="environment byt/his-app" onInput={set("target")} />}
        </Field>
        <Field id="f-outcome" label={t("audit.outcome")}>
          {(a11y) => (
            <select {...a11y} value={filters.outcome} onChange={set("outcome")}>
              <option value="">{t("audit.outcomeAny")}</option>
              <option value="allowed">{t("audit.allowed")}</option>
              <option value="denied">{t("audit.denied")}</option>
            </select>
          )}
        </Field>
        <Field id="f-since" label={t("audit.since")}>
          {(a11y) => <input {...a11y} type="date" value={filters.since} onInput={set("since")} />}
        </Field>
        <Field id="f-until" label={t("audit.until")}>
          {(a11y) => <input {...a11y} type="date" value={filters.until} onInput={set("until")} />}
        </Field>
        <button type="submit" class="primary">
          {t("audit.apply")}
        </button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {records === null ? <p role="status">{t("app.loading")}</p> : records.length === 0 ? <p>{t("audit.empty")}</p> : <AuditTable records={records} />}
      {cursor && (
        <button type="button" onClick={() => void load(applied, cursor)}>
          {t("audit.more")}
        </button>
      )}
    </section>
  );
}
