// Reports page by environment: the rows of one environment stay together, in their order; the
// cursor is the last environment's organization/name; the last page has no cursor.
import { describe, expect, test } from "vitest";
import { compareKeys, pageByEnvironment } from "../../../control-plane/reports/index.ts";

/** Usage-like rows: an environment may have several (one per site and price). */
const rows = [
  { org: "byt", env: "his", n: 1 },
  { org: "bct", env: "erp", n: 2 },
  { org: "byt", env: "his", n: 3 },
  { org: "byt", env: "his-app", n: 4 },
  { org: "bct", env: "erp", n: 5 },
  { org: "byt", env: "dancu", n: 6 },
];
const key = (r: (typeof rows)[number]) => [r.org, r.env] as const;
const ns = (page: { rows: { n: number }[] }) => page.rows.map((r) => r.n);

describe("pageByEnvironment", () => {
  test("orders by organization then name; an environment's rows stay together and in their order (a sort that is not stable breaks it)", () => {
    // bct/erp (2, 5), byt/dancu (6), byt/his (1, 3), byt/his-app (4)
    expect(ns(pageByEnvironment(rows, key, 200))).toEqual([2, 5, 6, 1, 3, 4]);
  });

  test("limit counts environments, not rows; the cursor is the last environment of the page", () => {
    const first = pageByEnvironment(rows, key, 2);
    expect(ns(first)).toEqual([2, 5, 6]);
    expect(first.next).toEqual(["byt", "dancu"]);
    const second = pageByEnvironment(rows, key, 2, first.next);
    expect(ns(second)).toEqual([1, 3, 4]);
    expect(second.next).toBeUndefined();
  });

  test("a page that ends exactly at the last environment has no cursor (an off-by-one would send an empty page after it)", () => {
    expect(pageByEnvironment(rows, key, 4).next).toBeUndefined();
    expect(pageByEnvironment(rows, key, 3).next).toEqual(["byt", "his"]);
  });

  test("a cursor between keys (the environment is gone since) continues after it", () => {
    expect(ns(pageByEnvironment(rows, key, 1, ["byt", "e"]))).toEqual([1, 3]);
    expect(ns(pageByEnvironment(rows, key, 10, ["zzz", "a"]))).toEqual([]);
  });

  test("his sorts before his-app and byt before bytx: code-unit order, as the cursor compares (a locale order that ignores hyphens breaks it)", () => {
    expect(compareKeys(["byt", "his"], ["byt", "his-app"])).toBeLessThan(0);
    expect(compareKeys(["byt", "hisa"], ["byt", "his-app"])).toBeGreaterThan(0);
    expect(compareKeys(["byt", "z"], ["bytx", "a"])).toBeLessThan(0);
    expect(compareKeys(["byt", "his"], ["byt", "his"])).toBe(0);
  });
});
