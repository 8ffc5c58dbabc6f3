import { describe, expect, test } from "vitest";
import { toCsv } from "../../../control-plane/reports/index.ts";

describe("toCsv", () => {
  test("quotes commas, quotes and line breaks; CRLF line ends; empty cells for null", () => {
    expect(
      toCsv(
        ["a", "b", "c"],
        [
          ["x,y", 'say "hi"', null],
          ["line\nbreak", 3, true],
        ],
      ),
    ).toBe('a,b,c\r\n"x,y","say ""hi""",\r\n"line\nbreak",3,true\r\n');
  });

  test("a text cell that starts like a formula is kept as text; numbers are not touched", () => {
    expect(toCsv(["v"], [['=HYPERLINK("x")'], ["+1"], ["@sum"], [-5]])).toBe('v\r\n"\'=HYPERLINK(""x"")"\r\n\'+1\r\n\'@sum\r\n-5\r\n');
  });
});
