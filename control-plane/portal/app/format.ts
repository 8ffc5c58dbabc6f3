// Amounts as each language writes them: đồng, cores, memory and storage sizes, and the month now in
// Vietnam time.
import type { Lang } from "./i18n.ts";

const locale = (lang: Lang) => (lang === "vi" ? "vi-VN" : "en-GB");

/** Whole đồng: "3.221.666 ₫" in Vietnamese, "₫3,221,666" in English. */
export function formatMoney(lang: Lang, amount: number): string {
  return new Intl.NumberFormat(locale(lang), { style: "currency", currency: "VND", maximumFractionDigits: 0 }).format(amount);
}

/** A number with at most one decimal, grouped as the language groups it. */
export function formatNumber(lang: Lang, value: number): string {
  return new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 1 }).format(value);
}

/** Millicores as cores: "13", "2,7" (vi) / "2.7" (en). */
export function formatCores(lang: Lang, millis: number): string {
  return formatNumber(lang, millis / 1000);
}

/** Bytes in Gi, or Ti from 1 Ti: "26 Gi", "1.280 Ti" (vi). */
export function formatSize(lang: Lang, bytes: number): string {
  const ti = 2 ** 40;
  return bytes >= ti ? `${formatNumber(lang, bytes / ti)} Ti` : `${formatNumber(lang, bytes / 2 ** 30)} Gi`;
}

/** The month (YYYY-MM) it is now in Vietnam. */
export function vietnamMonth(now = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit" }).format(now).slice(0, 7);
}
