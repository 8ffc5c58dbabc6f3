// The portal's report pages read a report page by page: each page's rows after the rows already read,
// the summary and cursor of the page that came last. Pages written by hand.
import { describe, expect, test } from "vitest";
import { appendReportPage, reportPagePath } from "../../../../control-plane/portal/app/report.ts";

describe("appendReportPage", () => {
  test("adds each list's rows after those read and takes the next page's cursor (a join that keeps only the last page, or the first cursor, breaks it)", () => {
    const read = { summary: { environments: 3 }, environments: ["byt/a", "byt/b"], exceptions: ["byt/b multi-site"], nextCursor: "byt/b" };
    const next = { summary: { environments: 3 }, environments: ["byt/c"], exceptions: [] as string[] };
    expect(
      appendReportPage<{ summary: { environments: number }; environments: string[]; exceptions: string[]; nextCursor?: string }>(read, next, [
        "environments",
        "exceptions",
      ]),
    ).toEqual({
      summary: { environments: 3 },
      environments: ["byt/a", "byt/b", "byt/c"],
      exceptions: ["byt/b multi-site"],
    });
  });

  test("a list not named is the next page's as it came (usage joins its lines only; organizations are the whole month's on every page)", () => {
    const read = { total: 9, organizations: ["byt"], lines: [1, 2], nextCursor: "byt/his" };
    const next = { total: 9, organizations: ["byt"], lines: [3], nextCursor: "byt/erp" };
    expect(appendReportPage(read, next, ["lines"])).toEqual({ total: 9, organizations: ["byt"], lines: [1, 2, 3], nextCursor: "byt/erp" });
  });
});

describe("reportPagePath", () => {
  test("the first page is the path as given", () => {
    expect(reportPagePath("/v1/usage?month=2026-11&limit=50", undefined)).toBe("/v1/usage?month=2026-11&limit=50");
  });
  test("a later page adds the cursor, percent-encoded, after the query or as the query", () => {
    expect(reportPagePath("/v1/organizations/byt/compliance?limit=50", "byt/his")).toBe("/v1/organizations/byt/compliance?limit=50&cursor=byt%2Fhis");
    expect(reportPagePath("/v1/capacity", "byt/his")).toBe("/v1/capacity?cursor=byt%2Fhis");
  });
});
