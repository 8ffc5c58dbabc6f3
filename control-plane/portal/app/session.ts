// The access token lives in this tab's sessionStorage only: not in a cookie (so no CSRF), not in
// localStorage (gone when the tab closes), never in a URL.
const TOKEN = "ndc.portal.token";
const LANG = "ndc.portal.lang";

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN),
  signIn: (token: string): void => sessionStorage.setItem(TOKEN, token),
  signOut: (): void => sessionStorage.removeItem(TOKEN),
};

/** The chosen language is a preference, not a secret: it is kept across tabs. */
export const languagePreference = {
  get: (): string | null => localStorage.getItem(LANG),
  set: (lang: string): void => localStorage.setItem(LANG, lang),
};
