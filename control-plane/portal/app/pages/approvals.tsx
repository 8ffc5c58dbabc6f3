import { useState } from "preact/hooks";
import { ApiError, call } from "../api.ts";
import { usePolling, usePortal } from "../context.ts";
import { formatDate, translateValue } from "../i18n.ts";
import type { Problem } from "../problems.ts";
import { explainReason } from "../reasons.ts";
import type { Environment, Page } from "../types.ts";
import { Field, Notice, PhaseBadge } from "../ui.tsx";

/** What awaits an operator (requests, changes, decommissions), with why; approve or reject with a comment (If-Match: the version shown). */
export function ApprovalsPage() {
  const { token, t } = usePortal();
  const [items, setItems] = useState<readonly Environment[] | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const load = async () => {
    // New requests, changes waiting beside an approved spec, and decommissions: one query.
    const r = await call<Page<Environment>>(token, "GET", "/v1/environments?awaitingDecision=true&limit=200");
    setItems(r.body.items);
  };
  usePolling(() => load().catch(() => undefined), 3000, [token]);

  return (
    <section>
      <h1 tabIndex={-1}>{t("queue.title")}</h1>
      {done && <Notice kind="ok">{done}</Notice>}
      {items === null ? (
        <p role="status">{t("app.loading")}</p>
      ) : items.length === 0 ? (
        <p>{t("queue.empty")}</p>
      ) : (
        items.map((env) => <Request key={`${env.org}/${env.name}`} env={env} onDecided={(message) => (setDone(message), void load())} />)
      )}
    </section>
  );
}

function Request(props: { env: Environment; onDecided: (message: string) => void }) {
  const { lang, token, t } = usePortal();
  const { env } = props;
  const [comment, setComment] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const id = `${env.org}-${env.name}`;
  const path = `/v1/organizations/${encodeURIComponent(env.org)}/environments/${encodeURIComponent(env.name)}`;
  const spec = env.pendingChange?.spec ?? env.spec;

  const decide = async (action: "approve" | "reject") => {
    setProblem(null);
    const text = comment.trim();
    const body = action === "approve" ? (text ? { comment: text } : undefined) : text ? { reason: text } : undefined;
    try {
      await call<Environment>(token, "POST", `${path}/${action}`, { ifMatch: env.version, ...(body ? { body } : {}) });
      props.onDecided(t(action === "approve" ? "queue.approved" : "queue.rejected", { org: env.org, name: env.name }));
    } catch (e) {
      if (e instanceof ApiError) setProblem(e.problem);
    }
  };
  const problemText = (p: Problem) => {
    const rules = p.errors.map((e) => e.rule);
    if (rules.some((r) => r.includes("four-eyes") || r.includes("requester") || r.includes("modifier"))) return t("error.fourEyes");
    if (p.status === 412) return t("error.conflict");
    if (p.status === 403) return `${t("error.forbidden")} (${p.detail})`;
    if (p.status === 409) return `${t("error.phase")} (${p.detail})`;
    return t("error.status", { status: p.status, detail: p.detail });
  };

  return (
    <article class="request-card" aria-labelledby={`${id}-title`} data-request={`${env.org}/${env.name}`}>
      <h2 id={`${id}-title`}>
        {env.org}/{env.name} <PhaseBadge lang={lang} phase={env.phase} />
      </h2>
      <p class="kind" data-testid="kind">
        {t(env.phase === "AwaitingDecommission" ? "queue.kind.decommission" : env.phase === "AwaitingApproval" ? "queue.kind.new" : "queue.kind.change")}
      </p>
      <p>
        {t("queue.requestedBy", { subject: env.requestedBy, date: formatDate(lang, env.updatedAt) })} · {t("queue.version", { version: env.version })}
      </p>
      <h3>{t("queue.why")}</h3>
      <p class="reason" data-testid="reason">
        {env.reason ? explainReason(lang, env.reason) : "—"}
      </p>
      <h3>{t("queue.spec")}</h3>
      <p>
        {translateValue(lang, "stage", spec.stage)} · {translateValue(lang, "zone", spec.zone)} · {translateValue(lang, "dataClass", spec.dataClass)} ·{" "}
        {t("securityLevel.n", { level: spec.securityLevel })} · {spec.sites.join(", ")} · CPU {spec.resources.cpu}, {spec.resources.memory}
      </p>
      <p>{spec.purpose}</p>
      <Field id={`${id}-comment`} label={t("queue.comment")}>
        {(a11y) => <textarea {...a11y} rows={2} maxLength={1000} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />}
      </Field>
      {problem && <Notice kind="error">{problemText(problem)}</Notice>}
      <div class="actions">
        <button type="button" class="primary" onClick={() => void decide("approve")}>
          {t("queue.approve")}
        </button>
        <button type="button" class="danger" onClick={() => void decide("reject")}>
          {t("queue.reject")}
        </button>
      </div>
    </article>
  );
}
