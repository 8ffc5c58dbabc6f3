import { useRef, useState } from "preact/hooks";
import { ApiError, call } from "../api.ts";
import { usePolling, usePortal } from "../context.ts";
import { formatDate, translateValue } from "../i18n.ts";
import { fieldErrors, type Problem } from "../problems.ts";
import { explainReason } from "../reasons.ts";
import type { Environment } from "../types.ts";
import { Field, Notice, PhaseBadge } from "../ui.tsx";

const CHANGEABLE = ["AwaitingApproval", "Approved", "Provisioning", "Ready", "Updating", "Failed"];

/** One environment: phase per site, conditions, resize and decommission (with confirmation). */
export function EnvironmentPage(props: { org: string; name: string }) {
  const { lang, token, me, t } = usePortal();
  const path = `/v1/organizations/${encodeURIComponent(props.org)}/environments/${encodeURIComponent(props.name)}`;
  const [env, setEnv] = useState<Environment | null>(null);
  const [missing, setMissing] = useState(false);
  // Said at page level: the panel that caused it may disappear with the new phase.
  const [notice, setNotice] = useState<string | null>(null);

  const load = async () => {
    try {
      setEnv((await call<Environment>(token, "GET", path)).body);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(true);
    }
  };
  usePolling(load, 2000, [path, token]);

  if (missing) {
    return (
      <section>
        <h1 tabIndex={-1}>{t("env.title", { org: props.org, name: props.name })}</h1>
        <Notice kind="error">{t("env.notFound")}</Notice>
        <p>
          <a href="#/environments">{t("env.back")}</a>
        </p>
      </section>
    );
  }
  if (!env) return <p role="status">{t("app.loading")}</p>;
  const canWrite = me.org === env.org && me.roles.some((r) => r === "requester" || r === "org-admin" || r === "platform-admin");

  return (
    <section>
      <h1 tabIndex={-1}>{t("env.title", { org: env.org, name: env.name })}</h1>
      <p>
        <a href="#/environments">{t("env.back")}</a>
      </p>
      <p class="phase-line">
        {t("envs.phase")}: <PhaseBadge lang={lang} phase={env.phase} />
      </p>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {env.pendingChange && <Notice kind="ok">{t("env.pendingChange")}</Notice>}
      {env.retainUntil && <p>{t("env.retainUntil", { date: formatDate(lang, env.retainUntil) })}</p>}
      <h2>{t("env.summary")}</h2>
      <dl class="summary">
        <dt>{t("env.namespace")}</dt>
        <dd>{env.namespace}</dd>
        <dt>{t("envs.stage")}</dt>
        <dd>{translateValue(lang, "stage", env.stage)}</dd>
        <dt>{t("form.zone").replace(" *", "")}</dt>
        <dd>{translateValue(lang, "zone", env.zone)}</dd>
        <dt>{t("form.dataClass").replace(" *", "")}</dt>
        <dd>{translateValue(lang, "dataClass", env.dataClass)}</dd>
        <dt>{t("form.securityLevel").replace(" *", "")}</dt>
        <dd>{t("securityLevel.n", { level: env.securityLevel })}</dd>
        <dt>{t("env.resources")}</dt>
        <dd>
          CPU {env.resources.cpu}, {env.resources.memory}
          {Object.entries(env.resources.storage ?? {}).map(([tier, size]) => `, ${tier} ${size}`)}
        </dd>
        <dt>{t("env.purpose")}</dt>
        <dd>{env.purpose}</dd>
        <dt>{t("env.requestedBy")}</dt>
        <dd>{env.requestedBy}</dd>
        {env.approvedBy && (
          <>
            <dt>{t("env.approvedBy")}</dt>
            <dd>{env.approvedBy}</dd>
          </>
        )}
        {env.reason && (
          <>
            <dt>{t("env.reason")}</dt>
            <dd>{explainReason(lang, env.reason)}</dd>
          </>
        )}
      </dl>
      <h2>{t("env.sitesTitle")}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t("env.site")}</th>
            <th scope="col">{t("env.sitePhase")}</th>
            <th scope="col">{t("env.siteMessage")}</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(env.sites).map(([site, state]) => (
            <tr data-site={site}>
              <th scope="row">{site}</th>
              <td>
                <PhaseBadge lang={lang} phase={state.phase} kind="sitePhase" />
              </td>
              <td>{state.message ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t("env.conditionsTitle")}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t("env.conditionType")}</th>
            <th scope="col">{t("env.conditionStatus")}</th>
            <th scope="col">{t("env.conditionReason")}</th>
            <th scope="col">{t("env.conditionMessage")}</th>
            <th scope="col">{t("env.conditionTime")}</th>
          </tr>
        </thead>
        <tbody>
          {env.conditions.map((c) => (
            <tr data-condition={c.type}>
              <th scope="row">{c.type}</th>
              <td>{translateValue(lang, "condition", c.status)}</td>
              <td>{c.reason}</td>
              <td>{c.message}</td>
              <td>{formatDate(lang, c.lastTransitionTime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {env.complianceExceptions.length > 0 && (
        <>
          <h2>{t("env.exceptions")}</h2>
          <ul>
            {env.complianceExceptions.map((x) => (
              <li>
                {x.rule}: {x.message}
              </li>
            ))}
          </ul>
        </>
      )}
      {canWrite && CHANGEABLE.includes(env.phase) && <Resize env={env} path={path} onChanged={setEnv} />}
      {canWrite && !["Retained", "Deleted", "Rejected", "Decommissioning", "AwaitingDecommission"].includes(env.phase) && (
        <Decommission env={env} path={path} onChanged={(e) => (setEnv(e), setNotice(t("env.decommissioned")))} />
      )}
    </section>
  );
}

function Resize(props: { env: Environment; path: string; onChanged: (env: Environment) => void }) {
  const { lang, token, t } = usePortal();
  const [cpu, setCpu] = useState(props.env.spec.resources.cpu);
  const [memory, setMemory] = useState(props.env.spec.resources.memory);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState<number | null>(null);
  const errors = problem ? fieldErrors(lang, problem) : new Map<string, string[]>();

  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    setDone(null);
    try {
      const r = await call<Environment>(token, "PATCH", props.path, {
        body: { resources: { ...props.env.spec.resources, cpu, memory } },
        ifMatch: props.env.version,
      });
      props.onChanged(r.body);
      setDone(r.body.version);
    } catch (err) {
      if (err instanceof ApiError) setProblem(err.problem);
    }
  };
  return (
    <form class="panel" onSubmit={submit} noValidate aria-labelledby="resize-title">
      <h2 id="resize-title">{t("env.resizeTitle")}</h2>
      <Field id="resize-cpu" label={t("form.cpu")} errors={errors.get("cpu")}>
        {(a11y) => <input {...a11y} value={cpu} onInput={(e) => setCpu(e.currentTarget.value)} />}
      </Field>
      <Field id="resize-memory" label={t("form.memory")} hint={t("form.memoryHint")} errors={errors.get("memory")}>
        {(a11y) => <input {...a11y} value={memory} onInput={(e) => setMemory(e.currentTarget.value)} />}
      </Field>
      {errors.get("(form)") && <Notice kind="error">{errors.get("(form)")!.join(" ")}</Notice>}
      {[...errors.keys()]
        .filter((k) => k !== "cpu" && k !== "memory" && k !== "(form)")
        .map((k) => (
          <Notice kind="error">{errors.get(k)!.join(" ")}</Notice>
        ))}
      {done !== null && <Notice kind="ok">{t("env.resized", { version: done })}</Notice>}
      <button type="submit">{t("env.resizeSubmit")}</button>
    </form>
  );
}

function Decommission(props: { env: Environment; path: string; onChanged: (env: Environment) => void }) {
  const { lang, token, t } = usePortal();
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const { name } = props.env;

  const confirm = async (e: Event) => {
    e.preventDefault();
    if (typed !== name) {
      setMismatch(true);
      return;
    }
    try {
      // The person confirmed this environment by name just now: send the version it has now (the
      // provisioner's status updates move it), so the decision is about what is there.
      const current = await call<Environment>(token, "GET", props.path);
      const r = await call<Environment>(token, "DELETE", props.path, { ifMatch: current.body.version });
      dialog.current?.close();
      props.onChanged(r.body);
    } catch (err) {
      if (err instanceof ApiError) setProblem(err.problem);
    }
  };
  return (
    <div class="panel danger">
      <h2>{t("env.decommissionTitle")}</h2>
      <p>{t("env.decommissionIntro")}</p>
      <button type="button" class="danger" onClick={() => (setTyped(""), setMismatch(false), setProblem(null), dialog.current?.showModal())}>
        {t("env.decommission")}
      </button>
      <dialog ref={dialog} aria-labelledby="confirm-title">
        <form onSubmit={confirm} noValidate>
          <h2 id="confirm-title">{t("env.confirmTitle", { name })}</h2>
          <p>{t("env.confirmText", { name })}</p>
          <Field
            id="confirm-name"
            label={t("env.confirmName")}
            errors={mismatch ? [t("env.confirmMismatch", { name })] : problem ? [...fieldErrors(lang, problem).values()].flat() : []}
          >
            {(a11y) => <input {...a11y} autocomplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />}
          </Field>
          <div class="actions">
            <button type="submit" class="danger">
              {t("env.confirm")}
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              {t("env.cancel")}
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
