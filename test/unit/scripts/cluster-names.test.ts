import { describe, expect, test } from "vitest";
import { validateSubjectPart } from "../../../scripts/cluster/_certs.ts";
import { validateClusterName } from "../../../scripts/cluster/_paths.ts";

describe("validateClusterName", () => {
  test.each(["local", "test", "test-site-b", "a"])("accepts %s", (name) => {
    expect(validateClusterName(name)).toBe(name);
  });

  test.each(["", "Local", "-x", "x-", "a/b", "a".repeat(33)])("fails when the name is %j", (name) => {
    expect(() => validateClusterName(name)).toThrow(`cluster name "${name}" is invalid: use 1-32 lowercase letters, digits and '-' (e.g. local, test)`);
  });
});

describe("validateSubjectPart", () => {
  test.each(["alice", "system:serviceaccount:ns:sa", "byt-his.owners", "a@b"])("accepts %s", (value) => {
    expect(validateSubjectPart("group", value)).toBe(value);
  });

  // A '/' or '=' or '+' would change the certificate subject openssl builds from `-subj`.
  test.each(["", "a/b", "O=x", "a+b", "with space", "-lead"])("fails when the value is %j", (value) => {
    expect(() => validateSubjectPart("user", value)).toThrow(
      `user "${value}" is invalid: use 1-128 characters from letters, digits and ':._@-', starting with a letter or digit`,
    );
  });
});
