import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { ErrorCode } from "../../src/lib/errors.js";
import { loadX509CertificateFile } from "../../src/x509/credential.js";
import { isValidCertificate, validateCertificate } from "../../src/x509/validate.js";
import { tempDir } from "../helpers/env.js";
import { thrown } from "../helpers/errors.js";
import {
  expiringIn,
  issueProxyCertificate,
  issueUserCertificate,
  writeCredentialFile,
  writeProxyFile,
} from "../helpers/x509-pki.js";

let dir: string;
beforeEach(() => {
  dir = tempDir("x509-");
});

describe("validateCertificate", () => {
  test("accepts a fresh certificate object", () => {
    const user = issueUserCertificate();
    expect(() => validateCertificate(new X509Certificate(user.certPem))).not.toThrow();
  });

  test("accepts a fresh certificate by path", () => {
    const path = writeCredentialFile(dir, "x509.pem", issueUserCertificate().certPem);
    expect(() => validateCertificate(path)).not.toThrow();
  });

  test("accepts a loaded credential", () => {
    const path = writeCredentialFile(dir, "x509.pem", issueUserCertificate().certPem);
    expect(() => validateCertificate(loadX509CertificateFile(path), 3600)).not.toThrow();
  });

  test("rejects a certificate with less time left than asked for, naming the file", () => {
    const path = writeCredentialFile(dir, "x509.pem", issueUserCertificate().certPem);
    const error = thrown(() => validateCertificate(path, 1e10));
    expect(error.code).toBe(ErrorCode.INVALID_CERTIFICATE);
    expect(error.message).toContain(`X.509 certificate ${path} has less than 115740 d 17 h left`);
    expect(error.message).toMatch(/expires at \d{4}-\d\d-\d\dT.*\(\d+ h( \d+ min)? from now\)/);
  });

  test("rejects a certificate that expires in five minutes under the default ten", () => {
    const user = issueUserCertificate(expiringIn(300));
    const path = writeCredentialFile(dir, "soon.pem", user.certPem);
    const error = thrown(() => validateCertificate(path));
    expect(error.message).toMatch(
      /has less than 10 min left: it expires at .* \((4 min 5\d s|5 min( 0 s)?) from now\)/,
    );
    expect(() => validateCertificate(path, 60)).not.toThrow();
  });

  test("rejects an expired certificate and says when it expired", () => {
    const user = issueUserCertificate(expiringIn(-3600));
    const path = writeCredentialFile(dir, "old.pem", user.certPem);
    const error = thrown(() => validateCertificate(path, 0));
    expect(error.message).toMatch(
      /has less than 0 s left: it expired at .* \(1 h( [0-9] s)? ago\)/,
    );
  });

  test("rejects a certificate that is not valid yet", () => {
    const start = new Date(Date.now() + 3600_000);
    const user = issueUserCertificate({
      notBefore: start,
      notAfter: new Date(start.getTime() + 86400_000),
    });
    const path = writeCredentialFile(dir, "future.pem", user.certPem);
    const error = thrown(() => validateCertificate(path));
    expect(error.code).toBe(ErrorCode.INVALID_CERTIFICATE);
    expect(error.message).toMatch(/is not valid yet: it becomes valid at/);
  });

  test("tolerates a few minutes of clock skew on notBefore", () => {
    const start = new Date(Date.now() + 60_000);
    const user = issueUserCertificate({
      notBefore: start,
      notAfter: new Date(start.getTime() + 86400_000),
    });
    expect(isValidCertificate(new X509Certificate(user.certPem))).toBe(true);
  });

  test("validates an EC certificate", () => {
    const user = issueUserCertificate({ keyType: "ec" });
    const path = writeCredentialFile(dir, "ec.pem", user.certPem);
    expect(() => validateCertificate(path)).not.toThrow();
    expect(
      isValidCertificate(
        writeCredentialFile(
          dir,
          "ec-old.pem",
          issueUserCertificate({ keyType: "ec", ...expiringIn(-10) }).certPem,
        ),
      ),
    ).toBe(false);
  });

  test("validates a proxy file by its proxy certificate", () => {
    const user = issueUserCertificate();
    const proxy = issueProxyCertificate(user, expiringIn(120));
    const path = writeProxyFile(dir, proxy, [user]);
    expect(isValidCertificate(path)).toBe(false);
    expect(isValidCertificate(path, 60)).toBe(true);
  });

  test("names a certificate without a file by its subject", () => {
    const user = issueUserCertificate(expiringIn(-10));
    const error = thrown(() => validateCertificate(new X509Certificate(user.certPem)));
    expect(error.message).toContain('"/DC=org/DC=cilogon/C=US/O=LIGO/CN=Albert Einstein');
  });

  test("reports an unreadable file with the read error", () => {
    const error = thrown(() => validateCertificate(join(dir, "nope.pem")));
    expect(error.code).toBe(ErrorCode.FILE_READ);
  });

  test("refuses a timeleft that is not a number", () => {
    expect(() => validateCertificate(join(dir, "x"), Number.NaN)).toThrow(TypeError);
  });
});

describe("isValidCertificate", () => {
  test("is true for a valid certificate file", () => {
    expect(
      isValidCertificate(writeCredentialFile(dir, "x509.pem", issueUserCertificate().certPem)),
    ).toBe(true);
  });

  test("is false for a file that does not exist", () => {
    expect(isValidCertificate(join(dir, "does-not-exist"))).toBe(false);
  });

  test("is false for a file with no certificate", () => {
    expect(isValidCertificate(writeCredentialFile(dir, "blah", ""))).toBe(false);
  });
});
