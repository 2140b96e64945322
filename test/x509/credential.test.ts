import { X509Certificate } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { beforeEach, describe, expect, test } from "vitest";
import { ErrorCode, IgwnAuthError } from "../../src/lib/errors.js";
import { loadX509CertificateFile, X509Credential } from "../../src/x509/credential.js";
import { tempDir } from "../helpers/env.js";
import {
  issueProxyCertificate,
  issueUserCertificate,
  proxyFileText,
  testUserCa,
  writeCredentialFile,
  writeProxyFile,
} from "../helpers/x509-pki.js";

let dir: string;
beforeEach(() => {
  dir = tempDir("x509-");
});

function expectError(fn: () => unknown, code: string, ...fragments: RegExp[]): IgwnAuthError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(IgwnAuthError);
  const error = caught as IgwnAuthError;
  expect(error.code).toBe(code);
  for (const fragment of fragments) expect(error.message).toMatch(fragment);
  return error;
}

describe("loadX509CertificateFile", () => {
  test("loads an RSA user certificate and describes it", () => {
    const user = issueUserCertificate();
    const path = writeCredentialFile(dir, "usercert.pem", user.certPem);
    const cred = loadX509CertificateFile(path);
    expect(cred).toBeInstanceOf(X509Credential);
    expect(cred.path).toBe(path);
    expect(cred.subject).toBe(
      "/DC=org/DC=cilogon/C=US/O=LIGO/CN=Albert Einstein albert.einstein@ligo.org",
    );
    expect(cred.issuer).toBe("/O=IGWN Test/CN=IGWN Test User CA");
    expect(cred.keyType).toBe("rsa");
    expect(cred.isProxy).toBe(false);
    expect(cred.hasPrivateKey).toBe(false);
    expect(cred.privateKeyPem).toBeUndefined();
    expect(cred.certificates).toHaveLength(1);
    expect(cred.notAfter.getTime()).toBe(new Date(user.x509.validTo).getTime());
    expect(cred.timeLeft()).toBeGreaterThan(23 * 3600);
    expect(cred.timeLeft()).toBeLessThanOrEqual(24 * 3600);
  });

  test("loads an EC (P-256) user certificate", () => {
    const user = issueUserCertificate({ keyType: "ec" });
    expect(user.x509.verify(testUserCa().publicKey)).toBe(true);
    const cred = loadX509CertificateFile(writeCredentialFile(dir, "ec.pem", user.certPem));
    expect(cred.keyType).toBe("ec");
    expect(cred.subject).toMatch(/CN=Albert Einstein/);
  });

  test("loads a proxy file holding proxy certificate, key and chain, leaf first", () => {
    const user = issueUserCertificate();
    const proxy = issueProxyCertificate(user);
    const path = writeProxyFile(dir, proxy, [user]);
    const cred = loadX509CertificateFile(path);
    expect(cred.isProxy).toBe(true);
    expect(cred.certificates.map((c) => c.fingerprint256)).toEqual([
      proxy.x509.fingerprint256,
      user.x509.fingerprint256,
    ]);
    expect(cred.subject).toBe(
      `${loadX509CertificateFile(writeCredentialFile(dir, "u.pem", user.certPem)).subject}/CN=${proxy.commonName}`,
    );
    expect(cred.identity).toBe(
      "/DC=org/DC=cilogon/C=US/O=LIGO/CN=Albert Einstein albert.einstein@ligo.org",
    );
    expect(cred.hasPrivateKey).toBe(true);
    expect(cred.privateKeyPem).toBe(proxy.keyPem);
  });

  test("loads an EC proxy chain (EC proxy signed by an EC user certificate)", () => {
    const user = issueUserCertificate({ keyType: "ec" });
    const proxy = issueProxyCertificate(user);
    expect(proxy.x509.verify(user.publicKey)).toBe(true);
    const cred = loadX509CertificateFile(writeProxyFile(dir, proxy, [user]));
    expect(cred.keyType).toBe("ec");
    expect(cred.isProxy).toBe(true);
    expect(cred.certificates).toHaveLength(2);
  });

  test("does not take a certificate without ProxyCertInfo for a proxy", () => {
    const user = issueUserCertificate();
    const notProxy = issueProxyCertificate(user, { withoutProxyCertInfo: true });
    const cred = loadX509CertificateFile(writeProxyFile(dir, notProxy, [user]));
    expect(cred.isProxy).toBe(false);
  });

  test.each(["proxy", "limited proxy"])("recognises a legacy Globus proxy (CN=%s)", (cn) => {
    const user = issueUserCertificate();
    const legacy = issueProxyCertificate(user, { withoutProxyCertInfo: true, commonName: cn });
    const cred = loadX509CertificateFile(writeProxyFile(dir, legacy, [user]));
    expect(cred.isProxy).toBe(true);
    expect(cred.subject.endsWith(`/CN=${cn}`)).toBe(true);
  });

  test("accepts CRLF line endings", () => {
    const user = issueUserCertificate();
    const proxy = issueProxyCertificate(user);
    const text = proxyFileText(proxy, user).replace(/\n/g, "\r\n");
    const cred = loadX509CertificateFile(writeCredentialFile(dir, "crlf.pem", text));
    expect(cred.certificates).toHaveLength(2);
    expect(cred.isProxy).toBe(true);
    expect(cred.privateKeyPem).toBe(proxy.keyPem);
  });

  test("ignores text around the PEM blocks", () => {
    const user = issueUserCertificate();
    const text = `Bag Attributes\n    friendlyName: me\nsubject=/CN=x\n${user.certPem}\ntrailing words\n`;
    const cred = loadX509CertificateFile(writeCredentialFile(dir, "bag.pem", text));
    expect(cred.certificates).toHaveLength(1);
  });

  test("never shows the private key in inspect or JSON", () => {
    const user = issueUserCertificate();
    const proxy = issueProxyCertificate(user);
    const cred = loadX509CertificateFile(writeProxyFile(dir, proxy, [user]));
    const body = proxy.keyPem.split("\n")[1] ?? "";
    expect(body.length).toBeGreaterThan(20);
    for (const shown of [
      inspect(cred, { depth: 10, showHidden: true }),
      JSON.stringify(cred),
      String(cred),
    ]) {
      expect(shown).not.toContain("PRIVATE KEY");
      expect(shown).not.toContain(body);
    }
    expect(JSON.parse(JSON.stringify(cred))).toMatchObject({
      isProxy: true,
      hasPrivateKey: true,
      chainLength: 2,
    });
  });

  test("builds from PEM text and from certificates", () => {
    const user = issueUserCertificate();
    expect(X509Credential.fromPem(user.certPem).path).toBeUndefined();
    expect(
      new X509Credential({ certificates: [new X509Certificate(user.certPem)] }).subject,
    ).toMatch(/LIGO/);
    expect(() => new X509Credential({ certificates: [] })).toThrow(TypeError);
  });
});

describe("loadX509CertificateFile rejects bad files clearly", () => {
  test("a missing file", () => {
    const path = join(dir, "missing.pem");
    expectError(
      () => loadX509CertificateFile(path),
      ErrorCode.FILE_READ,
      /X\.509 certificate file/,
      new RegExp(`${path} does not exist`),
    );
  });

  test("a directory", () => {
    const path = join(dir, "adir");
    mkdirSync(path);
    expectError(() => loadX509CertificateFile(path), ErrorCode.FILE_READ, /is a directory/);
  });

  test("an empty file", () => {
    const path = writeCredentialFile(dir, "empty.pem", "");
    expectError(
      () => loadX509CertificateFile(path),
      ErrorCode.INVALID_CERTIFICATE,
      new RegExp(`${path} is empty`),
    );
  });

  test("a PEM file with no certificate in it", () => {
    const user = issueUserCertificate();
    const path = writeCredentialFile(dir, "key.pem", user.keyPem);
    const error = expectError(
      () => loadX509CertificateFile(path),
      ErrorCode.INVALID_CERTIFICATE,
      /contains no PEM certificate/,
      new RegExp(path),
    );
    expect(error.message).not.toContain(user.keyPem.split("\n")[1]);
  });

  test("a truncated file", () => {
    const user = issueUserCertificate();
    const path = writeCredentialFile(dir, "cut.pem", user.certPem.slice(0, 300));
    expectError(
      () => loadX509CertificateFile(path),
      ErrorCode.INVALID_CERTIFICATE,
      /looks truncated/,
      new RegExp(path),
    );
  });

  test("a proxy file truncated inside its key, before the chain", () => {
    const user = issueUserCertificate();
    const proxy = issueProxyCertificate(user);
    const text = proxyFileText(proxy, user);
    const cut = text.slice(0, text.indexOf("-----END PRIVATE KEY-----"));
    const path = writeCredentialFile(dir, "cut-proxy.pem", `${cut}`);
    expectError(
      () => loadX509CertificateFile(path),
      ErrorCode.INVALID_CERTIFICATE,
      /looks truncated/,
      /PRIVATE KEY/,
    );
  });

  test("a certificate whose body is corrupted", () => {
    const user = issueUserCertificate();
    const lines = user.certPem.split("\n");
    lines[5] = "AAAA";
    const path = writeCredentialFile(dir, "bad.pem", lines.join("\n"));
    expectError(
      () => loadX509CertificateFile(path),
      ErrorCode.INVALID_CERTIFICATE,
      /certificate 1 of 1 could not be parsed/,
    );
  });

  test("a binary (DER) file", () => {
    const user = issueUserCertificate();
    const path = writeCredentialFile(dir, "cert.der", user.x509.raw);
    expectError(
      () => loadX509CertificateFile(path),
      ErrorCode.INVALID_CERTIFICATE,
      /no PEM certificate/,
      /binary/,
    );
  });

  test("an oversized file", () => {
    const path = join(dir, "huge.pem");
    writeFileSync(path, Buffer.alloc(1024 * 1024 + 1, 0x41));
    expectError(() => loadX509CertificateFile(path), ErrorCode.FILE_READ, /too large/);
  });
});
