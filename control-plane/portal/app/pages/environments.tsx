import { useState } from "preact/hooks";
import { ApiError, call, canRequest } from "../api.ts";
import { usePolling, usePortal } from "../context.ts";
import { formatDate, translateValue } from "../i18n.ts";
import type { Environment, Page } from "../types.ts";
import { Notice, PhaseBadge } from "../ui.tsx";

/** The caller's environments (its organization's, or every one for platform roles), live. */
export function EnvironmentsPage() {
  const { lang, token, me, t } = usePortal();
  const [items, setItems] = useState<readonly Environment[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [at, setAt] = useState<string | null>(null);
  const path = me.org ? `/v1/organizations/${encodeURIComponent(me.org)}/environments?limit=200` : "/v1/environments?limit=200";

  usePolling(
    async () => {
      try {
        const r = await call<Page<Environment>>(token, "GET", path);
        setItems(r.body.items);
        setFailed(null);
        setAt(new Date().toISOString());
      } catch (e) {
        setFailed(e instanceof ApiError ? e.problem.detail : String(e));
      }
    },
    2000,
    [path, token],
  );

  return (
    <section>
      <h1 tabIndex={-1}>{me.org ? t("envs.title") : t("envs.titleAll")}</h1>
      <p class="hint">
        {t("envs.live")} {at && <span>{t("app.updatedAt", { time: formatDate(lang, at) })}</span>}
      </p>
      {canRequest(me) && (
        <p>
          <a class="button" href="#/request">
            {t("envs.new")}
          </a>
        </p>
      )}
      {failed && <Notice kind="error">{failed}</Notice>}
      {items === null ? (
        <p role="status">{t("app.loading")}</p>
      ) : items.length === 0 ? (
        <p>{t("envs.empty")}</p>
      ) : (
        <table class="environments">
          <caption class="visually-hidden">{me.org ? t("envs.title") : t("envs.titleAll")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("envs.name")}</th>
              {!me.org && <th scope="col">{t("envs.org")}</th>}
              <th scope="col">{t("envs.stage")}</th>
              <th scope="col">{t("envs.phase")}</th>
              <th scope="col">{t("envs.sites")}</th>
              <th scope="col">{t("envs.conditions")}</th>
              <th scope="col">{t("envs.updated")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((env) => (
              <tr data-environment={`${env.org}/${env.name}`}>
                <th scope="row">
                  <a href={`#/environments/${encodeURIComponent(env.org)}/${encodeURIComponent(env.name)}`}>{env.name}</a>
                </th>
                {!me.org && <td>{env.org}</td>}
                <td>{translateValue(lang, "stage", env.stage)}</td>
                <td>
                  <PhaseBadge lang={lang} phase={env.phase} />
                </td>
                <td>
                  <ul class="plain">
                    {Object.entries(env.sites).map(([site, state]) => (
                      <li data-site={site}>
                        {site}: <PhaseBadge lang={lang} phase={state.phase} kind="sitePhase" />
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  <ul class="plain">
                    {env.conditions.map((c) => (
                      <li title={c.message}>
                        {c.type}: {translateValue(lang, "condition", c.status)}
                        {c.status !== "True" && c.reason ? ` (${c.reason})` : ""}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>{formatDate(lang, env.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
