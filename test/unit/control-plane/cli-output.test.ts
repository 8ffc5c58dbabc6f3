import { describe, expect, test } from "vitest";
import { displayWidth, padEndDisplay, renderFields, renderTable, terminalSafe, truncateDisplay } from "../../../control-plane/cli/output.ts";
import { configPath, readLogin, resolveConnection } from "../../../control-plane/cli/connection.ts";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("displayWidth", () => {
  test.each([
    ["ascii", "Bo Y te", 7],
    ["Vietnamese, precomposed (NFC)", "Bộ Y tế", 7],
    ["Vietnamese, decomposed (NFD): combining marks take no column", "Bộ Y tế".normalize("NFD"), 7],
    ["a province's full name", "Ủy ban nhân dân thành phố Hà Nội", 32],
    ["CJK takes two columns each", "数据", 4],
    ["empty", "", 0],
  ])("%s", (_what, text, width) => {
    expect(displayWidth(text)).toBe(width);
  });
});

describe("renderTable", () => {
  test("aligns columns by what the terminal shows, whatever the normal form", () => {
    const rows = [
      { org: "byt", name: "Bộ Y tế".normalize("NFD") },
      { org: "hanoi", name: "Ủy ban nhân dân thành phố Hà Nội" },
    ];
    const text = renderTable(rows, [
      { header: "name", value: (r) => r.name },
      { header: "org", value: (r) => r.org },
    ]);
    // Written by hand: NAME is 32 columns wide (the longest name), then two spaces.
    expect(text.split("\n").map((l) => l.normalize("NFC"))).toEqual([
      "NAME                              ORG",
      "Bộ Y tế                           byt",
      "Ủy ban nhân dân thành phố Hà Nội  hanoi",
    ]);
  });

  test("a null cell is a dash and long text is cut with an ellipsis", () => {
    expect(
      renderTable(
        [{ a: null, b: "Hệ thống thông tin bệnh viện" }],
        [
          { header: "a", value: (r) => r.a },
          { header: "b", value: (r) => r.b, max: 10 },
        ],
      ),
    ).toBe("A  B\n-  Hệ thống…");
  });

  test("fails when a requester's text reaches the terminal as control sequences (bug: a purpose could erase and rewrite the lines an operator reads before approving)", () => {
    // Clear the line, go up one, and print a forged stage; then a right-to-left override.
    const purpose = "Hệ thống\r\u001b[2K\u001b[1Astage: dev\u202eved\u0007";
    const table = renderTable([{ purpose }], [{ header: "purpose", value: (r) => r.purpose }]);
    expect(table).toBe("PURPOSE\nHệ thống \\u{1b}[2K\\u{1b}[1Astage: dev\\u{202e}ved\\u{7}");
    // In `env get` a line break would start a forged field: it is one line there too.
    expect(renderFields([["purpose", "x\nstage:  dev"]])).toBe("purpose: x stage: dev");
    expect(terminalSafe("a\u009b31mb\ttab\nline")).toBe("a\\u{9b}31mb\ttab\nline");
    expect(terminalSafe("Hà Nội 数据 😀")).toBe("Hà Nội 数据 😀");
  });

  test("padEndDisplay and truncateDisplay count columns, not UTF-16 units", () => {
    expect(padEndDisplay("ệ".normalize("NFD"), 3)).toBe(`${"ệ".normalize("NFD")}  `);
    expect(truncateDisplay("Trung tâm Dữ liệu", 5)).toBe("Trun…");
  });
});

describe("the login file", () => {
  const dir = mkdtempSync(join(tmpdir(), "ndc-login-"));

  test("fails when the file is readable by others, naming the mode and the fix", () => {
    const file = join(dir, "group.json");
    writeFileSync(file, JSON.stringify({ api: "http://127.0.0.1:8080", token: "t" }));
    chmodSync(file, 0o640);
    expect(() => readLogin(file)).toThrow(`${file} has mode 0640: it holds a token, so only you may read it; run chmod 600 ${file} (or ndc login again)`);
  });

  test("fails when the file lacks a token", () => {
    const file = join(dir, "empty.json");
    writeFileSync(file, JSON.stringify({ api: "http://127.0.0.1:8080" }), { mode: 0o600 });
    expect(() => readLogin(file)).toThrow(`${file} needs "api" and "token" strings; run ndc login --api <url> again`);
  });

  test("NDC_API and NDC_TOKEN win over the file; without either, the error says how to log in", () => {
    expect(resolveConnection(1000, { NDC_API: "https://a:1", NDC_TOKEN: "x", NDC_CONFIG: join(dir, "none.json") })).toMatchObject({
      token: "x",
      api: new URL("https://a:1"),
    });
    expect(() => resolveConnection(1000, { NDC_CONFIG: join(dir, "none.json") })).toThrow(
      "no service: set NDC_API (e.g. http://127.0.0.1:8080) or run ndc login --api <url>",
    );
    expect(configPath({ XDG_CONFIG_HOME: "/x" })).toBe("/x/ndc/config.json");
  });

  test("fails when NDC_API names another origin and the stored token would be sent there (bug: the login file's token leaked to any NDC_API)", () => {
    const file = join(dir, "stored.json");
    writeFileSync(file, JSON.stringify({ api: "https://ndc.example.gov.vn", token: "stored-secret" }), { mode: 0o600 });
    for (const other of ["https://evil.example", "http://ndc.example.gov.vn", "https://ndc.example.gov.vn:8443"]) {
      expect(() => resolveConnection(1000, { NDC_API: other, NDC_CONFIG: file, NDC_ALLOW_INSECURE_HTTP: "1" })).toThrow(
        `NDC_API is ${new URL(other).origin} but the token in ${file} was stored for https://ndc.example.gov.vn; it is never sent elsewhere`,
      );
    }
    // The same origin (another path or a trailing slash) keeps the stored token; NDC_TOKEN always wins.
    expect(resolveConnection(1000, { NDC_API: "https://ndc.example.gov.vn/", NDC_CONFIG: file })).toMatchObject({ token: "stored-secret" });
    expect(resolveConnection(1000, { NDC_API: "https://evil.example", NDC_TOKEN: "own", NDC_CONFIG: file })).toMatchObject({ token: "own" });
  });

  test.each(["http://ndc.example.gov.vn", "http://10.0.0.5:8080", "http://[fd00::1]:8080", "http://[::ffff:127.0.0.1]", "http://localhost.example.com"])(
    "fails when NDC_API %s (plain http to another machine) is accepted (bug: the bearer token crossed the network in clear)",
    (api) => {
      const origin = new URL(api).origin;
      expect(() => resolveConnection(1000, { NDC_API: api, NDC_TOKEN: "x", NDC_CONFIG: join(dir, "none.json") })).toThrow(
        `NDC_API is ${origin}: plain http would send your token in clear over the network; use https://, or http:// only to this machine (127.0.0.1, ::1, localhost); NDC_ALLOW_INSECURE_HTTP=1 allows it anyway`,
      );
    },
  );

  test("fails when a login file's plain-http URL to another machine is used (bug: the stored token crossed the network in clear)", () => {
    const file = join(dir, "insecure.json");
    writeFileSync(file, JSON.stringify({ api: "http://ndc.example.gov.vn:8080", token: "stored-secret" }), { mode: 0o600 });
    expect(() => resolveConnection(1000, { NDC_CONFIG: file })).toThrow(
      `"api" in ${file} (ndc login --api) is http://ndc.example.gov.vn:8080: plain http would send your token in clear over the network`,
    );
  });

  test.each(["http://127.0.0.1:8080", "http://127.0.0.2:8080", "http://localhost:8080", "http://[::1]:8080", "http://LOCALHOST", "https://ndc.example.gov.vn"])(
    "NDC_API %s (https, or http to this machine) is accepted",
    (api) => {
      expect(resolveConnection(1000, { NDC_API: api, NDC_TOKEN: "x", NDC_CONFIG: join(dir, "none.json") })).toMatchObject({ api: new URL(api) });
    },
  );

  test("NDC_ALLOW_INSECURE_HTTP=1, and only 1, allows plain http to another machine", () => {
    const env = { NDC_API: "http://ndc.example.gov.vn", NDC_TOKEN: "x", NDC_CONFIG: join(dir, "none.json") };
    expect(resolveConnection(1000, { ...env, NDC_ALLOW_INSECURE_HTTP: "1" })).toMatchObject({ api: new URL("http://ndc.example.gov.vn") });
    for (const value of ["", "0", "true", "yes"]) expect(() => resolveConnection(1000, { ...env, NDC_ALLOW_INSECURE_HTTP: value })).toThrow("plain http");
  });
});
