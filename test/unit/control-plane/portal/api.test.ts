// The portal's paged reads: a poll of one page asks for that page only (the agreements page polls the
// platform's list every 3 s), and every page is read only when every page is asked for. Pages
// written by hand, served by a stand-in fetch that records what was asked.
import { afterEach, describe, expect, test, vi } from "vitest";
import { callAll, callPages } from "../../../../control-plane/portal/app/api.ts";

const PAGES: Record<string, { items: string[]; nextCursor?: string }> = {
  "/v1/sharing-agreements?limit=2": { items: ["bca/a", "byt/b"], nextCursor: "byt/b" },
  "/v1/sharing-agreements?limit=2&cursor=byt%2Fb": { items: ["byt/c", "hanoi/d"], nextCursor: "hanoi/d" },
  "/v1/sharing-agreements?limit=2&cursor=hanoi%2Fd": { items: ["hanoi/e"] },
};

function serve(): string[] {
  const asked: string[] = [];
  vi.stubGlobal("fetch", async (path: string) => {
    asked.push(path);
    const page = PAGES[path];
    return new Response(JSON.stringify(page ?? { status: 404 }), { status: page ? 200 : 404, headers: { "content-type": "application/json" } });
  });
  return asked;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("callPages", () => {
  test("one page: one request, its items and the cursor after it (a poll that follows every cursor turns it red)", async () => {
    const asked = serve();
    expect(await callPages<string>("t", "/v1/sharing-agreements?limit=2", 1)).toEqual({ items: ["bca/a", "byt/b"], nextCursor: "byt/b" });
    expect(asked).toEqual(["/v1/sharing-agreements?limit=2"]);
  });

  test("two pages: the second after the first's cursor, and the cursor after the second", async () => {
    const asked = serve();
    expect(await callPages<string>("t", "/v1/sharing-agreements?limit=2", 2)).toEqual({ items: ["bca/a", "byt/b", "byt/c", "hanoi/d"], nextCursor: "hanoi/d" });
    expect(asked).toEqual(["/v1/sharing-agreements?limit=2", "/v1/sharing-agreements?limit=2&cursor=byt%2Fb"]);
  });

  test("more pages asked for than the list has: every item and no cursor", async () => {
    serve();
    expect(await callPages<string>("t", "/v1/sharing-agreements?limit=2", 5)).toEqual({ items: ["bca/a", "byt/b", "byt/c", "hanoi/d", "hanoi/e"] });
  });
});

describe("callAll", () => {
  test("follows every cursor to the end of the list", async () => {
    const asked = serve();
    expect(await callAll<string>("t", "/v1/sharing-agreements?limit=2")).toEqual(["bca/a", "byt/b", "byt/c", "hanoi/d", "hanoi/e"]);
    expect(asked).toHaveLength(3);
  });
});
