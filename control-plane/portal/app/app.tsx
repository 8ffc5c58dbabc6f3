import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, call, canRequest, isAuditor, isOperator, whenUnauthenticated, type Identity } from "./api.ts";
import { Portal } from "./context.ts";
import { LANGS, translate, translateValue, type Lang, type MessageKey } from "./i18n.ts";
import { beginSignIn, completeSignIn, type OidcConfig } from "./oidc.ts";
import { AgreementPage, AgreementsPage, OfferPage } from "./pages/agreements.tsx";
import { ApprovalsPage } from "./pages/approvals.tsx";
import { AuditPage } from "./pages/audit.tsx";
import { CompliancePage } from "./pages/compliance.tsx";
import { EnvironmentPage } from "./pages/environment.tsx";
import { EnvironmentsPage } from "./pages/environments.tsx";
import { RequestPage } from "./pages/request.tsx";
import { RoadmapPage } from "./pages/roadmap.tsx";
import { SitesPage } from "./pages/sites.tsx";
import { UsagePage } from "./pages/usage.tsx";
import { languagePreference, session } from "./session.ts";
import { Field, Notice } from "./ui.tsx";

const PAGES = ["environments", "request", "approvals", "agreements", "compliance", "usage", "sites", "roadmap", "audit"] as const;
type PageName = (typeof PAGES)[number];

type Route =
  { page: PageName | "home" | "unknown" | "offer" } | { page: "environment"; org: string; name: string } | { page: "agreement"; org: string; name: string };

/** `#/environments/byt/his-app` -> the environment page; the hash never carries a token. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: "home" };
  if (parts[0] === "environments" && parts.length === 3) return { page: "environment", org: parts[1]!, name: parts[2]! };
  if (parts[0] === "agreements" && parts.length === 2 && parts[1] === "new") return { page: "offer" };
  if (parts[0] === "agreements" && parts.length === 3) return { page: "agreement", org: parts[1]!, name: parts[2]! };
  const known = PAGES;
  return parts.length === 1 && (known as readonly string[]).includes(parts[0]!) ? { page: parts[0] as (typeof known)[number] } : { page: "unknown" };
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return hash;
}

function initialLang(): Lang {
  const saved = languagePreference.get();
  return (LANGS as readonly string[]).includes(saved ?? "") ? (saved as Lang) : "vi";
}

interface NavItem {
  readonly page: PageName;
  readonly key: MessageKey;
}

/** The first page: the queue for operators, the trail for auditors, the environments for the rest. */
function homeOf(me: Identity): NavItem["page"] {
  return isOperator(me) ? "approvals" : me.roles.includes("auditor") ? "audit" : "environments";
}

function navFor(me: Identity): NavItem[] {
  const items: NavItem[] = [];
  if (isOperator(me)) items.push({ page: "approvals", key: "nav.approvals" });
  items.push({ page: "environments", key: "nav.environments" });
  if (canRequest(me)) items.push({ page: "request", key: "nav.request" });
  items.push(
    { page: "agreements", key: "nav.agreements" },
    { page: "compliance", key: "nav.compliance" },
    { page: "usage", key: "nav.usage" },
    { page: "sites", key: "nav.sites" },
    { page: "roadmap", key: "nav.roadmap" },
  );
  if (isAuditor(me)) items.push({ page: "audit", key: "nav.audit" });
  return items;
}

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [token, setToken] = useState<string | null>(session.token());
  const [me, setMe] = useState<Identity | null>(null);
  const [notice, setNotice] = useState<MessageKey | null>(null);
  const hash = useHash();
  const t = (key: MessageKey, params?: Record<string, string | number>) => translate(lang, key, params);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t("app.title");
  }, [lang]);

  useEffect(() => {
    whenUnauthenticated(() => {
      session.signOut();
      setToken(null);
      setMe(null);
      setNotice("signIn.sessionEnded");
    });
  }, []);

  useEffect(() => {
    if (!token) return;
    call<Identity>(token, "GET", "/v1/me")
      .then((r) => setMe(r.body))
      .catch(() => undefined);
  }, [token]);

  // A new page: focus its heading, so keyboard and screen-reader users start there. Not on the
  // first load, where the first Tab must reach the skip link.
  const loaded = useRef(false);
  useEffect(() => {
    if (!loaded.current) {
      loaded.current = true;
      return;
    }
    main.current?.querySelector<HTMLElement>("h1")?.focus();
  }, [hash, me]);

  const switchLang = () => {
    const next = lang === "vi" ? "en" : "vi";
    languagePreference.set(next);
    setLang(next);
  };
  const signOut = () => {
    session.signOut();
    setToken(null);
    setMe(null);
  };

  const route = parseRoute(hash);
  let content;
  if (!token || !me) {
    content = token ? (
      <p role="status">{t("app.loading")}</p>
    ) : (
      <SignIn lang={lang} notice={notice} onSignedIn={(tok, who) => (session.signIn(tok), setNotice(null), setMe(who), setToken(tok))} />
    );
  } else {
    const page = route.page === "home" ? homeOf(me) : route.page;
    content =
      route.page === "environment" ? (
        <EnvironmentPage org={route.org} name={route.name} key={`${route.org}/${route.name}`} />
      ) : route.page === "agreement" ? (
        <AgreementPage org={route.org} name={route.name} key={`agreement ${route.org}/${route.name}`} />
      ) : page === "offer" && canRequest(me) ? (
        <OfferPage />
      ) : page === "agreements" ? (
        <AgreementsPage />
      ) : page === "compliance" ? (
        <CompliancePage />
      ) : page === "usage" ? (
        <UsagePage />
      ) : page === "roadmap" ? (
        <RoadmapPage />
      ) : page === "environments" ? (
        <EnvironmentsPage />
      ) : page === "request" ? (
        <RequestPage />
      ) : page === "approvals" ? (
        <ApprovalsPage />
      ) : page === "sites" ? (
        <SitesPage />
      ) : page === "audit" ? (
        <AuditPage />
      ) : (
        <h1 tabIndex={-1}>{t("app.notFound")}</h1>
      );
  }
  const current =
    route.page === "home" && me
      ? homeOf(me)
      : route.page === "environment"
        ? "environments"
        : route.page === "agreement" || route.page === "offer"
          ? "agreements"
          : route.page;

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        {t("app.skip")}
      </a>
      <header class="top">
        <p class="brand">{t("app.title")}</p>
        <div class="tools">
          {me && (
            <span class="who" data-testid="who">
              {t("app.signedInAs", { subject: me.subject })} · {me.roles.map((r) => translateValue(lang, "role", r)).join(", ")}
              {me.org ? ` · ${me.org}` : ""}
            </span>
          )}
          <button
            type="button"
            class="link"
            lang={lang === "vi" ? "en" : "vi"}
            aria-label={t("app.switchLanguageLabel")}
            onClick={switchLang}
            data-testid="language"
          >
            {t("app.switchLanguage")}
          </button>
          {token && (
            <button type="button" class="link" onClick={signOut}>
              {t("app.signOut")}
            </button>
          )}
        </div>
      </header>
      {me && token && (
        <nav aria-label={t("app.nav")}>
          <ul>
            {navFor(me).map((item) => (
              <li>
                <a href={`#/${item.page}`} aria-current={current === item.page ? "page" : undefined}>
                  {t(item.key)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" ref={main} tabIndex={-1}>
        {me && token ? <Portal.Provider value={{ lang, token, me }}>{content}</Portal.Provider> : content}
      </main>
    </>
  );
}

function SignIn(props: { lang: Lang; notice: MessageKey | null; onSignedIn: (token: string, me: Identity) => void }) {
  const { lang } = props;
  const t = (key: MessageKey, params?: Record<string, string | number>) => translate(lang, key, params);
  const [value, setValue] = useState("");
  const [error, setError] = useState<MessageKey | null>(null);
  const [oidcError, setOidcError] = useState<string | null>(null);
  const [oidc, setOidc] = useState<OidcConfig | null>(null);
  const [busy, setBusy] = useState(false);

  const tryToken = async (candidate: string): Promise<boolean> => {
    try {
      const r = await call<Identity>(candidate, "GET", "/v1/me");
      props.onSignedIn(candidate, r.body);
      return true;
    } catch (e) {
      setError(e instanceof ApiError && e.status === 0 ? "error.network" : "signIn.invalid");
      return false;
    }
  };

  useEffect(() => {
    void (async () => {
      const res = await fetch("/portal/config.json", { cache: "no-store" }).catch(() => undefined);
      const config = res?.ok ? ((await res.json()) as { oidc: OidcConfig | null }) : { oidc: null };
      setOidc(config.oidc);
      if (!config.oidc) return;
      try {
        const accessToken = await completeSignIn(config.oidc);
        if (accessToken) await tryToken(accessToken);
      } catch (e) {
        setOidcError((e as Error).message);
      }
    })();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!value.trim()) {
      setError("signIn.required");
      document.getElementById("token")?.focus();
      return;
    }
    setBusy(true);
    const ok = await tryToken(value.trim());
    setBusy(false);
    if (!ok) document.getElementById("token")?.focus();
  };

  return (
    <section class="sign-in">
      <h1 tabIndex={-1}>{t("signIn.title")}</h1>
      {props.notice && <Notice kind="error">{t(props.notice)}</Notice>}
      <p>{t("signIn.intro")}</p>
      {oidc && (
        <>
          <button type="button" class="primary" onClick={() => void beginSignIn(oidc)}>
            {t("signIn.oidc")}
          </button>
          {oidcError && <Notice kind="error">{t("signIn.oidcFailed", { reason: oidcError })}</Notice>}
          <p class="or">{t("signIn.or")}</p>
        </>
      )}
      <form onSubmit={submit} noValidate>
        <Field id="token" label={t("signIn.token")} errors={error ? [t(error)] : []}>
          {(a11y) => <input {...a11y} type="password" autocomplete="off" spellcheck={false} value={value} onInput={(e) => setValue(e.currentTarget.value)} />}
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {t("signIn.submit")}
        </button>
      </form>
    </section>
  );
}
