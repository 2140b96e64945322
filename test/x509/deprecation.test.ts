import { afterEach, expect, test } from "vitest";
import { X509_RETIREMENT_WARNING_CODE } from "../../src/x509/deprecation.js";
import { findX509Credentials } from "../../src/x509/discovery.js";
import { tempDir } from "../helpers/env.js";
import { issueUserCertificate, writeCredentialFile } from "../helpers/x509-pki.js";

const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
process.on("warning", onWarning);
afterEach(() => {
  process.off("warning", onWarning);
});

test("findX509Credentials warns once per process that LIGO.ORG X.509 is being retired", async () => {
  const dir = tempDir("x509-");
  process.env.X509_USER_PROXY = writeCredentialFile(
    dir,
    "x509.pem",
    issueUserCertificate().certPem,
  );
  findX509Credentials();
  findX509Credentials();
  expect(() => findX509Credentials({ timeleft: 1e10, onError: "ignore" })).toThrow();
  await new Promise((resolve) => setImmediate(resolve));
  const deprecations = warnings.filter((w) => w.name === "DeprecationWarning");
  expect(deprecations).toHaveLength(1);
  const [warning] = deprecations as [Error & { code?: string }];
  expect(warning.code).toBe(X509_RETIREMENT_WARNING_CODE);
  expect(warning.message).toMatch(
    /^identity-based X\.509 credentials for LIGO\.ORG are being retired/,
  );
  expect(warning.message).toContain("x509_retirement");
});
