import { createContext } from "preact";
import { useContext, useEffect, useRef } from "preact/hooks";
import type { Identity } from "./api.ts";
import { translate, type Lang, type MessageKey, type Params } from "./i18n.ts";

/** What every page needs: the language, the signed-in caller and their token. */
export interface PortalContext {
  readonly lang: Lang;
  readonly token: string;
  readonly me: Identity;
}

export const Portal = createContext<PortalContext | null>(null);

export function usePortal(): PortalContext & { t: (key: MessageKey, params?: Params) => string } {
  const ctx = useContext(Portal);
  if (!ctx) throw new Error("usePortal outside <Portal.Provider>");
  return { ...ctx, t: (key, params) => translate(ctx.lang, key, params) };
}

/** Runs `tick` now and every `ms` while the page is shown (live status without reloading). */
export function usePolling(tick: () => Promise<void>, ms: number, deps: readonly unknown[]): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        await latest.current();
      } finally {
        if (!stopped) timer = setTimeout(() => void run(), ms);
      }
    };
    void run();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, deps);
}
