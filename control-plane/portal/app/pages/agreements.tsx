import { useEffect, useRef, useState } from "preact/hooks";
import { POLICY, SHARING_LIVE_PHASES } from "../../../../model/index.ts";
import { actsFor, ApiError, call, callAll, callPages, canRequest, isAuditor, isOperator } from "../api.ts";
import { usePolling, usePortal } from "../context.ts";
import { formatDate, translateValue, type Lang } from "../i18n.ts";
import type { Problem } from "../problems.ts";
import { decisionError, explainApprovalReason, OFFER_FIELD_IDS, offerBody, offerErrors, type Agreement, type OfferDraft } from "../sharing.ts";
import type { Environment, Page } from "../types.ts";
import { Field, Notice } from "../ui.tsx";
import { AuditTable, type AuditRecord } from "./audit.tsx";

const agreementPath = (org: string, name: string) => `/v1/organizations/${encodeURIComponent(org)}/sharing-agreements/${encodeURIComponent(name)}`;
const agreementHash = (a: Pick<Agreement, "provider" | "name">) => `#/agreements/${encodeURIComponent(a.provider.org)}/${encodeURIComponent(a.name)}`;

export function AgreementStatus(props: { lang: Lang; status: string }) {
  return (
    <span class={`badge agreement-${props.status}`} data-status={props.status}>
      {translateValue(props.lang, "agreementStatus", props.status)}
    </span>
  );
}

function AgreementTable(props: { items: readonly Agreement[]; caption: string; id: string }) {
  const { lang, t } = usePortal();
  return (
    <table class="agreements" id={props.id}>
      <caption class="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t("agreements.name")}</th>
          <th scope="col">{t("agreements.provider")}</th>
          <th scope="col">{t("agreements.consumer")}</th>
          <th scope="col">{t("agreements.port")}</th>
          <th scope="col">{t("agreements.status")}</th>
          <th scope="col">{t("agreements.validUntil")}</th>
          <th scope="col">{t("agreements.purpose")}</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((a) => (
          <tr data-agreement={`${a.provider.org}/${a.name}`}>
            <th scope="row">
              <a href={agreementHash(a)}>{a.name}</a>
            </th>
            <td>
              {a.provider.org}/{a.provider.environment}
            </td>
            <td>
              {a.consumer.org}/{a.consumer.environment}
            </td>
            <td>
              {a.port}/{a.protocol}
            </td>
            <td>
              <AgreementStatus lang={lang} status={a.status} />
            </td>
            <td>{formatDate(lang, a.validUntil)}</td>
            <td>{a.purpose}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The agreements at `path` (null: none asked), read again every 3 s: the first `pages` pages, and one
 * more each time `more` is called (null when the list ends within the pages read).
 */
function useLiveAgreements(path: string | null, pages: number): { items: readonly Agreement[] | null; failed: string | null; more: (() => void) | null } {
  const { token } = usePortal();
  const [read, setRead] = useState(pages);
  const [list, setList] = useState<{ items: readonly Agreement[]; nextCursor?: string } | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  usePolling(
    async () => {
      if (path === null) return;
      try {
        setList(await callPages<Agreement>(token, path, read));
        setFailed(null);
      } catch (e) {
        setFailed(e instanceof ApiError ? e.problem.detail : String(e));
      }
    },
    3000,
    [path, token, read],
  );
  return { items: list?.items ?? null, failed, more: list?.nextCursor ? () => setRead(read + 1) : null };
}

/**
 * The agreements the organization provides and consumes (all of them), or for platform roles the
 * operators' queue and all agreements, a page of each polled (more pages when asked for): polling every
 * page of the platform's agreements every 3 s would read the whole table each time.
 */
export function AgreementsPage() {
  const { me, t } = usePortal();
  const platformWide = !me.org;
  const own = useLiveAgreements(me.org ? `/v1/organizations/${encodeURIComponent(me.org)}/sharing-agreements?limit=200` : null, Infinity);
  const queue = useLiveAgreements(platformWide ? "/v1/sharing-agreements?state=AwaitingApproval&limit=200" : null, 1);
  const all = useLiveAgreements(platformWide ? "/v1/sharing-agreements?limit=200" : null, 1);
  const failed = own.failed ?? queue.failed ?? all.failed;

  const section = (id: string, title: string, rows: readonly Agreement[], more: (() => void) | null = null) => (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {rows.length === 0 ? <p>{t("agreements.empty")}</p> : <AgreementTable items={rows} caption={title} id={id} />}
      {more && (
        <button type="button" onClick={more} data-more={id}>
          {t("agreements.more")}
        </button>
      )}
    </section>
  );

  return (
    <section>
      <h1 tabIndex={-1}>{t("agreements.title")}</h1>
      <p>{t("agreements.intro")}</p>
      {canRequest(me) && (
        <p>
          <a class="button" href="#/agreements/new">
            {t("agreements.new")}
          </a>
        </p>
      )}
      {failed && <Notice kind="error">{failed}</Notice>}
      {me.org ? (
        own.items === null ? (
          <p role="status">{t("app.loading")}</p>
        ) : (
          <>
            {section(
              "provided",
              t("agreements.provided"),
              own.items.filter((a) => a.provider.org === me.org),
            )}
            {section(
              "consumed",
              t("agreements.consumed"),
              own.items.filter((a) => a.consumer.org === me.org),
            )}
          </>
        )
      ) : queue.items === null || all.items === null ? (
        <p role="status">{t("app.loading")}</p>
      ) : (
        <>
          {section("queue", t("agreements.queue"), queue.items, queue.more)}
          {section("all", t("agreements.all"), all.items, all.more)}
        </>
      )}
    </section>
  );
}

/** A decision that asks first: the button opens a dialog that says what happens, with a reason when one is wanted. */
function ConfirmedDecision(props: {
  id: string;
  trigger: string;
  title: string;
  text: string;
  confirm: string;
  danger?: boolean;
  withReason?: boolean;
  onConfirm: (reason: string) => Promise<Problem | null>;
}) {
  const { lang, t } = usePortal();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const error = problem ? decisionError(lang, problem) : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const refused = await props.onConfirm(reason.trim());
    setBusy(false);
    setProblem(refused);
    if (!refused) dialog.current?.close();
  };
  return (
    <>
      <button
        type="button"
        class={props.danger ? "danger" : "primary"}
        onClick={() => (setReason(""), setProblem(null), dialog.current?.showModal())}
        data-action={props.id}
      >
        {props.trigger}
      </button>
      <dialog ref={dialog} aria-labelledby={`${props.id}-title`} class={props.danger ? "" : "plain"}>
        <form onSubmit={submit} noValidate>
          <h2 id={`${props.id}-title`}>{props.title}</h2>
          <p>{props.text}</p>
          {props.withReason ? (
            <Field id={`${props.id}-reason`} label={t("agreement.reasonLabel")} errors={error ? [error] : []}>
              {(a11y) => <textarea {...a11y} rows={2} maxLength={1000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />}
            </Field>
          ) : (
            error && (
              <p class="error" role="alert" data-field-error={`${props.id}-dialog`}>
                {error}
              </p>
            )
          )}
          <div class="actions">
            <button type="submit" class={props.danger ? "danger" : "primary"} disabled={busy}>
              {props.confirm}
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              {t("agreement.cancel")}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** One agreement: its terms and status, the decisions the caller may take, and (for auditors) its audit trail. */
export function AgreementPage(props: { org: string; name: string }) {
  const { lang, token, me, t } = usePortal();
  const path = agreementPath(props.org, props.name);
  const [a, setAgreement] = useState<Agreement | null>(null);
  const [missing, setMissing] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [audit, setAudit] = useState<readonly AuditRecord[] | null>(null);
  const [comment, setComment] = useState("");
  const [operatorProblem, setOperatorProblem] = useState<Problem | null>(null);

  // Not found (or not the caller's to see) stays so: asking again every few seconds would only add denied records to the audit trail.
  const gone = useRef(false);
  const load = async () => {
    if (gone.current) return;
    try {
      setAgreement((await call<Agreement>(token, "GET", path)).body);
      if (isAuditor(me)) {
        const target = encodeURIComponent(`sharing-agreement ${props.org}/${props.name}`);
        setAudit((await call<Page<AuditRecord>>(token, "GET", `/v1/audit?target=${target}&limit=200`)).body.items);
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        gone.current = true;
        setMissing(true);
      }
    }
  };
  usePolling(load, 3000, [path, token]);

  if (missing) {
    return (
      <section>
        <h1 tabIndex={-1}>{t("agreement.title", { org: props.org, name: props.name })}</h1>
        <Notice kind="error">{t("agreement.notFound")}</Notice>
        <p>
          <a href="#/agreements">{t("agreement.back")}</a>
        </p>
      </section>
    );
  }
  if (!a) return <p role="status">{t("app.loading")}</p>;

  const decide = async (decision: "accept" | "decline" | "approve" | "reject" | "revoke", reason: string): Promise<Problem | null> => {
    try {
      const r = await call<Agreement>(token, "POST", `${path}/${decision}`, { ifMatch: a.version, body: reason ? { reason } : {} });
      setAgreement(r.body);
      setDone(t(`agreement.done.${decision}`));
      void load();
      return null;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 412) void load();
      return e.problem;
    }
  };
  const operator = isOperator(me) && me.org === null;
  const consumer = actsFor(me, a.consumer.org);
  const party = consumer || actsFor(me, a.provider.org) || operator;
  const provider = `${a.provider.org}/${a.provider.environment}`;
  const consumerEnv = `${a.consumer.org}/${a.consumer.environment}`;

  return (
    <section>
      <h1 tabIndex={-1}>{t("agreement.title", { org: a.provider.org, name: a.name })}</h1>
      <p>
        <a href="#/agreements">{t("agreement.back")}</a>
      </p>
      <p class="phase-line">
        {t("agreements.status")}: <AgreementStatus lang={lang} status={a.status} />
      </p>
      {done && <Notice kind="ok">{done}</Notice>}
      <h2>{t("agreement.terms")}</h2>
      <dl class="summary">
        <dt>{t("agreements.provider")}</dt>
        <dd data-field="provider">{provider}</dd>
        <dt>{t("agreements.consumer")}</dt>
        <dd data-field="consumer">{consumerEnv}</dd>
        <dt>{t("agreements.port")}</dt>
        <dd>
          {a.port}/{a.protocol}
        </dd>
        <dt>{t("agreements.purpose")}</dt>
        <dd data-field="purpose">{a.purpose}</dd>
        <dt>{t("agreement.legalBasis")}</dt>
        <dd>{a.legalBasis}</dd>
        <dt>{t("agreement.valid")}</dt>
        <dd>{t("agreement.validRange", { from: formatDate(lang, a.validFrom), until: formatDate(lang, a.validUntil) })}</dd>
        <dt>{t("agreement.sites")}</dt>
        <dd>{a.sites.join(", ") || "—"}</dd>
        <dt>{t("agreement.approval")}</dt>
        <dd data-field="approval">
          {a.operatorApprovalRequired
            ? t("agreement.approvalRequired", { reasons: a.approvalReasons.map((r) => explainApprovalReason(lang, r)).join("; ") })
            : t("agreement.approvalNotRequired")}
        </dd>
        <dt>{t("agreement.networkPolicy")}</dt>
        <dd>{a.networkPolicy}</dd>
        <dt>{t("agreement.offeredBy")}</dt>
        <dd>{a.offeredBy}</dd>
        {a.acceptedBy && (
          <>
            <dt>{t("agreement.acceptedBy")}</dt>
            <dd>{a.acceptedBy}</dd>
          </>
        )}
        {a.decidedBy && (
          <>
            <dt>{t("agreement.decidedBy")}</dt>
            <dd>{a.decidedBy}</dd>
          </>
        )}
        {a.revokedBy && (
          <>
            <dt>{t("agreement.revokedBy")}</dt>
            <dd>{a.revokedBy}</dd>
          </>
        )}
        {a.reason && (
          <>
            <dt>{t("agreement.reason")}</dt>
            <dd data-field="reason">{a.reason}</dd>
          </>
        )}
        <dt>{t("agreement.version")}</dt>
        <dd>{a.version}</dd>
      </dl>
      {party && ["Offered", "AwaitingApproval", "Approved"].includes(a.state) && (
        <div class="panel" role="group" aria-labelledby="decisions-title">
          <h2 id="decisions-title">{t("agreement.actions")}</h2>
          {operator && a.state === "AwaitingApproval" && (
            <div data-testid="operator-decision">
              <Field id="decide-reason" label={t("agreement.comment")} errors={operatorProblem ? [decisionError(lang, operatorProblem)] : []}>
                {(a11y) => <textarea {...a11y} rows={2} maxLength={1000} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />}
              </Field>
              <div class="actions">
                <button type="button" class="primary" onClick={async () => setOperatorProblem(await decide("approve", ""))}>
                  {t("agreement.approve")}
                </button>
                <button type="button" class="danger" onClick={async () => setOperatorProblem(await decide("reject", comment.trim()))}>
                  {t("agreement.reject")}
                </button>
              </div>
            </div>
          )}
          <div class="actions">
            {consumer && a.state === "Offered" && (
              <>
                <ConfirmedDecision
                  id="accept"
                  trigger={t("agreement.accept")}
                  title={t("agreement.acceptTitle", { name: a.name })}
                  text={t("agreement.acceptText", { consumer: consumerEnv, provider, port: `${a.port}/${a.protocol}`, purpose: a.purpose })}
                  confirm={t("agreement.acceptConfirm")}
                  onConfirm={(reason) => decide("accept", reason)}
                />
                <ConfirmedDecision
                  id="decline"
                  trigger={t("agreement.decline")}
                  title={t("agreement.declineTitle", { name: a.name })}
                  text={t("agreement.declineText")}
                  confirm={t("agreement.declineConfirm")}
                  danger
                  withReason
                  onConfirm={(reason) => decide("decline", reason)}
                />
              </>
            )}
            <ConfirmedDecision
              id="revoke"
              trigger={t("agreement.revoke")}
              title={t("agreement.revokeTitle", { name: a.name })}
              text={t("agreement.revokeText", { consumer: consumerEnv, provider })}
              confirm={t("agreement.revokeConfirm")}
              danger
              withReason
              onConfirm={(reason) => decide("revoke", reason)}
            />
          </div>
        </div>
      )}
      {audit && (
        <section aria-labelledby="agreement-audit-title">
          <h2 id="agreement-audit-title">{t("agreement.audit")}</h2>
          {audit.length === 0 ? <p>{t("agreement.auditEmpty")}</p> : <AuditTable records={audit} columns={["at", "actor", "action", "outcome", "org"]} />}
        </section>
      )}
    </section>
  );
}

/** Today in Vietnam, and a year later, as the date inputs write them. */
function vietnamDay(offsetDays = 0): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date(Date.now() + offsetDays * 86_400_000));
}

/** The provider's offer: one of its approved environments, the consumer, port, purpose, legal basis and validity. */
export function OfferPage() {
  const { lang, token, me, t } = usePortal();
  const org = me.org!;
  const [environments, setEnvironments] = useState<readonly Environment[] | null>(null);
  const [draft, setDraft] = useState<OfferDraft>({
    name: "",
    providerEnvironment: "",
    consumerOrg: "",
    consumerEnvironment: "",
    port: "",
    protocol: "TCP",
    purpose: "",
    legalBasis: "",
    validFrom: vietnamDay(),
    validUntil: vietnamDay(Math.min(365, POLICY.sharing.maxValidityDays.days)),
  });
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void callAll<Environment>(token, `/v1/organizations/${encodeURIComponent(org)}/environments?limit=200`)
      .then((items) => {
        const live = items.filter((e) => SHARING_LIVE_PHASES.includes(e.phase));
        setEnvironments(live);
        setDraft((d) => (d.providerEnvironment || live.length === 0 ? d : { ...d, providerEnvironment: live[0]!.name }));
      })
      .catch(() => setEnvironments([]));
  }, [token, org]);

  if (environments === null) return <p role="status">{t("app.loading")}</p>;
  const errors = problem ? offerErrors(lang, problem) : new Map<keyof OfferDraft | "(form)", string[]>();
  const set = (key: keyof OfferDraft) => (e: Event) => setDraft({ ...draft, [key]: (e.currentTarget as HTMLInputElement).value });
  const input = (key: keyof OfferDraft, label: string, extra: Record<string, unknown> = {}, hint?: string) => (
    <Field id={OFFER_FIELD_IDS[key]} label={label} hint={hint} errors={errors.get(key)}>
      {(a11y) => <input {...a11y} {...extra} value={draft[key]} autocomplete="off" onInput={set(key)} />}
    </Field>
  );

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await call<Agreement>(token, "POST", `/v1/organizations/${encodeURIComponent(org)}/sharing-agreements`, { body: offerBody(draft) });
      location.hash = agreementHash(r.body);
    } catch (err) {
      if (err instanceof ApiError) {
        setProblem(err.problem);
        requestAnimationFrame(() => summary.current?.focus());
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1 tabIndex={-1}>{t("offer.title")}</h1>
      <p>{t("offer.intro")}</p>
      {environments.length === 0 && <Notice kind="error">{t("offer.noEnvironment")}</Notice>}
      {problem && (
        <div class="notice error" role="alert" tabIndex={-1} ref={summary} data-testid="error-summary">
          <p>{t("form.errorsTitle")}</p>
          <ul>
            {[...errors.entries()].map(([field, messages]) => (
              <li>
                {field === "(form)" ? (
                  messages.join(" ")
                ) : (
                  <a href={`#${OFFER_FIELD_IDS[field]}`} onClick={(ev) => (ev.preventDefault(), document.getElementById(OFFER_FIELD_IDS[field])?.focus())}>
                    {messages.join(" ")}
                  </a>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      <form onSubmit={submit} noValidate class="request">
        {input("name", t("offer.name"), { spellcheck: false, maxLength: 40 }, t("form.nameHint"))}
        <Field id={OFFER_FIELD_IDS.providerEnvironment} label={t("offer.provider")} errors={errors.get("providerEnvironment")}>
          {(a11y) => (
            <select {...a11y} value={draft.providerEnvironment} onChange={set("providerEnvironment")}>
              {environments.map((env) => (
                <option value={env.name}>
                  {env.name} — {translateValue(lang, "dataClass", env.dataClass)}, {t("securityLevel.n", { level: env.securityLevel })}
                </option>
              ))}
            </select>
          )}
        </Field>
        {input("consumerOrg", t("offer.consumerOrg"), { spellcheck: false }, t("offer.consumerOrgHint"))}
        {input("consumerEnvironment", t("offer.consumerEnvironment"), { spellcheck: false })}
        {input("port", t("offer.port"), { inputMode: "numeric" })}
        <Field id={OFFER_FIELD_IDS.protocol} label={t("offer.protocol")} errors={errors.get("protocol")}>
          {(a11y) => (
            <select {...a11y} value={draft.protocol} onChange={set("protocol")}>
              <option value="TCP">TCP</option>
              <option value="UDP">UDP</option>
            </select>
          )}
        </Field>
        <Field id={OFFER_FIELD_IDS.purpose} label={t("offer.purpose")} errors={errors.get("purpose")}>
          {(a11y) => <textarea {...a11y} rows={3} maxLength={500} value={draft.purpose} onInput={set("purpose")} />}
        </Field>
        {input("legalBasis", t("offer.legalBasis"), { maxLength: 500 }, t("offer.legalBasisHint"))}
        {input("validFrom", t("offer.validFrom"), { type: "date" })}
        {input("validUntil", t("offer.validUntil"), { type: "date" })}
        <button type="submit" class="primary" disabled={busy}>
          {t("offer.submit")}
        </button>
      </form>
    </section>
  );
}
