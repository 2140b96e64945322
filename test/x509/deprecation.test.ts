import { afterEach, beforeEach, expect, test } from "vitest";
import { X509_RETIREMENT_WARNING_CODE } from "../../src/x509/deprecation.js";
import { findX509Credentials } from "../../src/x509/discovery.js";
import { restoreEnv, setEnv, tempDir } from "../helpers/env.js";
import { issueUserCertificate, writeCredentialFile } from "../helpers/x509-pki.js";

const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
beforeEach(() => {
  process.on("warning", onWarning);
});
afterEach(() => {
  process.off("warning", onWarning);
  restoreEnv();
});

const deprecations = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  return warnings.filter((w) => w.name === "DeprecationWarning");
};

// One test, in this order: the warning is once per process.
test("findX509Credentials warns once per process that LIGO.ORG X.509 is retired, only when it finds one", async () => {
  setEnv({ X509_USER_PROXY: undefined, X509_USER_CERT: undefined, X509_USER_KEY: undefined });
  expect(() => findX509Credentials({ onError: "ignore" })).toThrow();
  expect(await deprecations()).toEqual([]);

  const dir = tempDir("x509-");
  setEnv({
    X509_USER_PROXY: writeCredentialFile(dir, "x509.pem", issueUserCertificate().certPem),
  });
  findX509Credentials();
  findX509Credentials();
  expect(() => findX509Credentials({ timeleft: 1e10, onError: "ignore" })).toThrow();
  const [warning, ...more] = (await deprecations()) as Array<Error & { code?: string }>;
  expect(more).toEqual([]);
  expect(warning?.code).toBe(X509_RETIREMENT_WARNING_CODE);
  expect(warning?.message).toMatch(/^identity-based X\.509 credentials for LIGO\.ORG are retired/);
  expect(warning?.message).toContain("x509_retirement");
  expect(warning?.message).not.toMatch(/ends on|being retired/);
});
