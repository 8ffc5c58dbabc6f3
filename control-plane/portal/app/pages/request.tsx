import { useEffect, useRef, useState } from "preact/hooks";
import type { DataClass, PersonalData, SecurityLevel, Stage, Zone } from "../../../../model/index.ts";
import { ApiError, call } from "../api.ts";
import { usePortal } from "../context.ts";
import { translateValue } from "../i18n.ts";
import { fieldErrors, type Problem } from "../problems.ts";
import { placementHints, type Hint } from "../rules.ts";
import { requestSchemaFrom, type RequestSchema } from "../schema.ts";
import type { Environment, Organization, SiteSummary } from "../types.ts";
import { Field } from "../ui.tsx";

interface Draft {
  name: string;
  stage: string;
  zone: string;
  dataClass: string;
  personalData: string;
  personalDataSubjects: string;
  securityLevel: string;
  sites: string[];
  cpu: string;
  memory: string;
  storageTier: string;
  storageSize: string;
  owners: string;
  purpose: string;
}

const TENANT_ZONES = ["dmz", "app", "data", "restricted", "backup"];

/** The body the API receives: what the user typed, nothing added or corrected. */
export function specOf(d: Draft): Record<string, unknown> {
  const subjects = d.personalDataSubjects.trim();
  return {
    name: d.name.trim(),
    stage: d.stage,
    zone: d.zone,
    dataClass: d.dataClass,
    personalData: d.personalData,
    ...(subjects !== "" ? { personalDataSubjects: Number(subjects) } : {}),
    securityLevel: Number(d.securityLevel),
    sites: d.sites,
    resources: { cpu: d.cpu.trim(), memory: d.memory.trim(), ...(d.storageTier ? { storage: { [d.storageTier]: d.storageSize.trim() } } : {}) },
    owners: d.owners
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    purpose: d.purpose.trim(),
  };
}

/** The request form: built from the API's schema, explaining placement rules before submitting. */
export function RequestPage() {
  const { lang, token, me, t } = usePortal();
  const org = me.org!;
  const [schema, setSchema] = useState<RequestSchema | null>(null);
  const [sites, setSites] = useState<readonly SiteSummary[]>([]);
  const [orgInfo, setOrgInfo] = useState<Organization | null>(null);
  const [draft, setDraft] = useState<Draft>({
    name: "",
    stage: "dev",
    zone: "app",
    dataClass: "other",
    personalData: "none",
    personalDataSubjects: "",
    securityLevel: "1",
    sites: [],
    cpu: "1",
    memory: "2Gi",
    storageTier: "",
    storageSize: "10Gi",
    owners: "",
    purpose: "",
  });
  const [problem, setProblem] = useState<{ problem: Problem; spec: Record<string, unknown> } | null>(null);
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void (async () => {
      const openapi = await fetch("/openapi.json", { cache: "no-store" }).then((r) => r.json());
      setSchema(requestSchemaFrom(openapi));
      const s = await call<{ items: SiteSummary[] }>(token, "GET", "/v1/sites");
      setSites(s.body.items);
      const firstActive = s.body.items.find((x) => x.status === "active" && x.configured);
      if (firstActive) setDraft((d) => (d.sites.length ? d : { ...d, sites: [firstActive.id] }));
      const o = await call<Organization>(token, "GET", `/v1/organizations/${encodeURIComponent(org)}`);
      setOrgInfo(o.body);
    })().catch(() => undefined);
  }, [token, org]);

  if (!schema) return <p role="status">{t("app.loading")}</p>;

  const set = (key: keyof Draft) => (e: Event) => setDraft({ ...draft, [key]: (e.currentTarget as HTMLInputElement).value });
  const subjects = draft.personalDataSubjects.trim() === "" ? undefined : Number(draft.personalDataSubjects);
  const hints = placementHints(
    lang,
    {
      stage: draft.stage as Stage,
      zone: draft.zone as Zone,
      dataClass: draft.dataClass as DataClass,
      personalData: draft.personalData as PersonalData,
      personalDataSubjects: Number.isFinite(subjects) ? subjects : undefined,
      securityLevel: Number(draft.securityLevel) as SecurityLevel,
      sites: draft.sites,
    },
    sites,
    orgInfo ?? undefined,
  );
  const rulesFor = (field: Hint["field"]) => hints.filter((h) => h.field === field);
  const submitted = problem?.spec as { dataClass?: DataClass; personalData?: PersonalData; personalDataSubjects?: number } | undefined;
  const errors = problem ? fieldErrors(lang, problem.problem, submitted ?? {}) : new Map<string, string[]>();
  const choices = (field: string) => (schema.choices[field] ?? []).filter((v) => field !== "zone" || TENANT_ZONES.includes(String(v)));

  const submit = async (e: Event) => {
    e.preventDefault();
    const spec = specOf(draft);
    setBusy(true);
    try {
      const r = await call<Environment>(token, "POST", `/v1/organizations/${encodeURIComponent(org)}/environments`, { body: spec });
      location.hash = `#/environments/${encodeURIComponent(r.body.org)}/${encodeURIComponent(r.body.name)}`;
    } catch (err) {
      if (err instanceof ApiError) {
        setProblem({ problem: err.problem, spec });
        requestAnimationFrame(() => summary.current?.focus());
      }
    } finally {
      setBusy(false);
    }
  };

  const select = (field: "stage" | "zone" | "dataClass" | "personalData" | "securityLevel", label: string, prefix: string) => (
    <Field id={field} label={label} rules={field === "stage" ? [] : rulesFor(field as Hint["field"])} errors={errors.get(field)}>
      {(a11y) => (
        <select {...a11y} value={draft[field]} onChange={set(field)}>
          {choices(field).map((v) => (
            <option value={String(v)}>{prefix === "securityLevel" ? t("securityLevel.n", { level: v }) : translateValue(lang, prefix, String(v))}</option>
          ))}
        </select>
      )}
    </Field>
  );

  const allErrors = [...errors.entries()];
  return (
    <section>
      <h1 tabIndex={-1}>{t("form.title")}</h1>
      <p>{t("form.intro")}</p>
      {problem && (
        <div class="notice error" role="alert" tabIndex={-1} ref={summary} data-testid="error-summary">
          <p>{t("form.errorsTitle")}</p>
          <ul>
            {allErrors.map(([field, messages]) => (
              <li>
                {field === "(form)" ? (
                  messages.join(" ")
                ) : (
                  <a
                    href={`#${field === "storage" ? "storageSize" : field === "sites" ? `site-${draft.sites[0] ?? sites[0]?.id}` : field}`}
                    onClick={(e) => (
                      e.preventDefault(),
                      document
                        .getElementById(field === "storage" ? "storageSize" : field === "sites" ? `site-${draft.sites[0] ?? sites[0]?.id}` : field)
                        ?.focus()
                    )}
                  >
                    {messages.join(" ")}
                  </a>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      <form onSubmit={submit} noValidate class="request">
        <Field id="name" label={t("form.name")} hint={t("form.nameHint")} errors={errors.get("name")}>
          {(a11y) => <input {...a11y} value={draft.name} maxLength={schema.maxLength.name} autocomplete="off" spellcheck={false} onInput={set("name")} />}
        </Field>
        {select("stage", t("form.stage"), "stage")}
        {select("dataClass", t("form.dataClass"), "dataClass")}
        {select("personalData", t("form.personalData"), "personalData")}
        <Field id="personalDataSubjects" label={t("form.personalDataSubjects")} errors={errors.get("personalDataSubjects")}>
          {(a11y) => <input {...a11y} type="number" min={0} inputMode="numeric" value={draft.personalDataSubjects} onInput={set("personalDataSubjects")} />}
        </Field>
        {select("zone", t("form.zone"), "zone")}
        {select("securityLevel", t("form.securityLevel"), "securityLevel")}
        <fieldset
          class={errors.get("sites") ? "invalid" : ""}
          aria-describedby={[rulesFor("sites").length ? "sites-rules" : "", errors.get("sites") ? "sites-error" : ""].filter(Boolean).join(" ") || undefined}
        >
          <legend>{t("form.sites")}</legend>
          {sites.map((s) => (
            <div class="check">
              <input
                type="checkbox"
                id={`site-${s.id}`}
                checked={draft.sites.includes(s.id)}
                onChange={(e) => setDraft({ ...draft, sites: e.currentTarget.checked ? [...draft.sites, s.id] : draft.sites.filter((x) => x !== s.id) })}
              />
              <label for={`site-${s.id}`}>
                {t("form.siteOption", { id: s.id, location: s.location, status: translateValue(lang, "siteStatus", s.status) })}
              </label>
            </div>
          ))}
          {rulesFor("sites").length > 0 && (
            <ul class="rules" id="sites-rules" data-field-rules="sites">
              {rulesFor("sites").map((r) => (
                <li class={r.blocking ? "rule blocking" : "rule"}>{r.text}</li>
              ))}
            </ul>
          )}
          {errors.get("sites") && (
            <p class="error" id="sites-error" data-field-error="sites">
              {errors.get("sites")!.join(" ")}
            </p>
          )}
        </fieldset>
        <Field id="cpu" label={t("form.cpu")} errors={errors.get("cpu")}>
          {(a11y) => <input {...a11y} value={draft.cpu} onInput={set("cpu")} />}
        </Field>
        <Field id="memory" label={t("form.memory")} hint={t("form.memoryHint")} errors={errors.get("memory")}>
          {(a11y) => <input {...a11y} value={draft.memory} onInput={set("memory")} />}
        </Field>
        <Field id="storageTier" label={t("form.storageTier")}>
          {(a11y) => (
            <select {...a11y} value={draft.storageTier} onChange={set("storageTier")}>
              <option value="">{t("form.storageNone")}</option>
              {[...new Set(sites.filter((s) => draft.sites.includes(s.id)).flatMap((s) => s.storageTiers))].map((tier) => (
                <option value={tier}>{tier}</option>
              ))}
            </select>
          )}
        </Field>
        {draft.storageTier && (
          <Field id="storageSize" label={t("form.storageSize")} errors={errors.get("storage")}>
            {(a11y) => <input {...a11y} value={draft.storageSize} onInput={set("storageSize")} />}
          </Field>
        )}
        <Field id="owners" label={t("form.owners")} hint={t("form.ownersHint", { example: `${org}-admins` })} errors={errors.get("owners")}>
          {(a11y) => <input {...a11y} value={draft.owners} autocomplete="off" spellcheck={false} onInput={set("owners")} />}
        </Field>
        <Field id="purpose" label={t("form.purpose")} errors={errors.get("purpose")}>
          {(a11y) => <textarea {...a11y} rows={3} maxLength={schema.maxLength.purpose} value={draft.purpose} onInput={set("purpose")} />}
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t("form.submitting") : t("form.submit")}
        </button>
      </form>
    </section>
  );
}
