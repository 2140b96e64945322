import { X509Certificate } from "node:crypto";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import got from "got";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ErrorCode } from "../../src/lib/errors.js";
import { gotCertificateOptions, x509CredentialLoads } from "../../src/x509/got-options.js";
import { tempDir } from "../helpers/env.js";
import { thrown } from "../helpers/errors.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";
import {
  expiringIn,
  issueProxyCertificate,
  issueUserCertificate,
  proxyFileText,
  rsaPublicKeyPem,
  type TestCredential,
  testUserCa,
  writeCertAndKey,
  writeCredentialFile,
  writeProxyFile,
} from "../helpers/x509-pki.js";

let dir: string;
beforeEach(() => {
  dir = tempDir("x509-");
});

function pemCertificates(text: string): X509Certificate[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (pem) => new X509Certificate(pem),
  );
}

function keyBody(cred: TestCredential): string {
  return cred.keyPem.split("\n")[2] ?? "";
}

describe("gotCertificateOptions", () => {
  test("gives the proxy certificate, then the chain, and the proxy's key", () => {
    const user = issueUserCertificate();
    const proxy = issueProxyCertificate(user);
    const options = gotCertificateOptions(writeProxyFile(dir, proxy, [user]));
    expect(pemCertificates(options.certificate).map((c) => c.fingerprint256)).toEqual([
      proxy.x509.fingerprint256,
      user.x509.fingerprint256,
    ]);
    expect(options.key).toBe(proxy.keyPem);
  });

  test("reads the key from the key file of a [cert, key] pair", () => {
    const user = issueUserCertificate({ keyType: "ec" });
    const options = gotCertificateOptions(writeCertAndKey(dir, user));
    expect(pemCertificates(options.certificate)).toHaveLength(1);
    expect(options.key).toBe(user.keyPem);
  });

  test("accepts a proxy file with CRLF line endings, giving LF PEM to TLS", () => {
    const user = issueUserCertificate();
    const proxy = issueProxyCertificate(user);
    const path = writeCredentialFile(
      dir,
      "crlf",
      proxyFileText(proxy, user).replace(/\n/g, "\r\n"),
    );
    const options = gotCertificateOptions(path);
    expect(options.key).toBe(proxy.keyPem);
    expect(options.certificate).not.toContain("\r");
    expect(pemCertificates(options.certificate)).toHaveLength(2);
  });

  test("explains a proxy file with the key missing", () => {
    const user = issueUserCertificate();
    const proxy = issueProxyCertificate(user);
    const path = writeCredentialFile(dir, "nokey", proxy.certPem + user.certPem);
    const error = thrown(() => gotCertificateOptions(path));
    expect(error.code).toBe(ErrorCode.INVALID_CERTIFICATE);
    expect(error.message).toBe(
      `X.509 certificate file ${path} holds no private key: a proxy file must hold the certificate, ` +
        "its private key and the chain; or give the key file as [cert, key]",
    );
  });

  test("refuses a key that does not match the certificate", () => {
    const user = issueUserCertificate();
    const other = issueUserCertificate({ freshKey: true });
    const cert = writeCredentialFile(dir, "cert.pem", user.certPem);
    const key = writeCredentialFile(dir, "key.pem", other.keyPem);
    const error = thrown(() => gotCertificateOptions([cert, key]));
    expect(error.message).toBe(
      `the private key in X.509 private key file ${key} does not match the certificate in ${cert}`,
    );
    expect(error.message).not.toContain(keyBody(other));
  });

  test("refuses a proxy file whose key belongs to another certificate", () => {
    const user = issueUserCertificate();
    const proxy = issueProxyCertificate(user, { freshKey: true });
    const path = writeCredentialFile(dir, "mixed", proxy.certPem + user.keyPem + user.certPem);
    expect(() => gotCertificateOptions(path)).toThrow(/does not match the certificate/);
  });

  test.each([
    ["PKCS#8", { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" }],
    [
      "legacy PKCS#1",
      { type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" },
    ],
  ] as const)("refuses an encrypted %s key, since it cannot prompt", (_name, encoding) => {
    const user = issueUserCertificate();
    const encrypted = user.privateKey.export(encoding).toString();
    const cert = writeCredentialFile(dir, "cert.pem", user.certPem);
    const key = writeCredentialFile(dir, "key.pem", encrypted);
    const error = thrown(() => gotCertificateOptions([cert, key]));
    expect(error.message).toMatch(/is encrypted with a passphrase, which cannot be entered here/);
    expect(error.message).not.toContain("secret");
  });

  test("refuses a key file holding no private key", () => {
    const user = issueUserCertificate();
    const cert = writeCredentialFile(dir, "cert.pem", user.certPem);
    const key = writeCredentialFile(dir, "key.pem", rsaPublicKeyPem());
    expect(() => gotCertificateOptions([cert, key])).toThrow(
      new RegExp(`X\\.509 private key file ${key} contains no PEM private key`),
    );
  });

  test("refuses a key path that is a directory or missing", () => {
    const user = issueUserCertificate();
    const cert = writeCredentialFile(dir, "cert.pem", user.certPem);
    const keyDir = join(dir, "keydir");
    mkdirSync(keyDir);
    expect(thrown(() => gotCertificateOptions([cert, keyDir])).message).toBe(
      `X.509 private key file ${keyDir} is a directory, not a file`,
    );
    expect(thrown(() => gotCertificateOptions([cert, join(dir, "nope")])).code).toBe(
      ErrorCode.FILE_READ,
    );
  });

  test("refuses a damaged key without showing it", () => {
    const user = issueUserCertificate();
    const cert = writeCredentialFile(dir, "cert.pem", user.certPem);
    const lines = user.keyPem.split("\n");
    const damaged = [lines[0], ...lines.slice(3)].join("\n");
    const key = writeCredentialFile(dir, "key.pem", damaged);
    const error = thrown(() => gotCertificateOptions([cert, key]));
    expect(error.message).toMatch(/could not be parsed/);
    expect(error.message).not.toContain(lines[4]);
  });

  test("checks time left only when asked", () => {
    const user = issueUserCertificate();
    const proxy = issueProxyCertificate(user, expiringIn(120));
    const path = writeProxyFile(dir, proxy, [user]);
    expect(gotCertificateOptions(path).key).toBe(proxy.keyPem);
    expect(() => gotCertificateOptions(path, 600)).toThrow(/has less than 10 min left/);
    expect(() => gotCertificateOptions(path, 60)).not.toThrow();
  });

  test("re-reads the file only when it changed, a rewrite that keeps the mtime included", () => {
    const user = issueUserCertificate();
    const first = issueProxyCertificate(user);
    const path = writeProxyFile(dir, first, [user]);
    // Padded, so the renewed proxy below can be written at exactly the same size.
    const size = proxyFileText(first, user).length + 256;
    const padded = (text: string) => text.padEnd(size, "\n");
    writeFileSync(path, padded(proxyFileText(first, user)));
    // Whole seconds, so the mtime can be put back exactly after a rewrite.
    const mtime = Math.floor(Date.now() / 1000) - 10;
    utimesSync(path, mtime, mtime);
    const loads = x509CredentialLoads();
    expect(gotCertificateOptions(path).key).toBe(first.keyPem);
    expect(gotCertificateOptions(path).key).toBe(first.keyPem);
    expect(x509CredentialLoads() - loads).toBe(1);

    // Rewritten in place, size and mtime the same: only the change time tells.
    const renewed = issueProxyCertificate(user, { freshKey: true });
    writeFileSync(path, padded(proxyFileText(renewed, user)));
    utimesSync(path, mtime, mtime);
    expect(gotCertificateOptions(path).key).toBe(renewed.keyPem);
    expect(x509CredentialLoads() - loads).toBe(2);
  });
});

describe("mutual TLS with plain got", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ requestCert: true, clientCa: [testUserCa().certPem] });
  });
  afterAll(async () => {
    await server.close();
  });

  test.each(["rsa", "ec"] as const)(
    "the server receives the %s proxy and then the user certificate",
    async (keyType) => {
      const user = issueUserCertificate({ keyType });
      const proxy = issueProxyCertificate(user);
      const path = writeProxyFile(dir, proxy, [user]);
      const response = await got(`${server.origin}/x509/${keyType}`, {
        https: { ...gotCertificateOptions(path), ...trustTestCa().https },
        retry: { limit: 0 },
      });
      expect(response.statusCode).toBe(200);
      const recorded = server.requests.find((r) => r.url === `/x509/${keyType}`);
      expect(recorded?.clientChain.slice(0, 2)).toEqual([
        `${user.commonName}/${proxy.commonName}`,
        user.commonName,
      ]);
      expect(recorded?.clientCert?.fingerprint256).toBe(proxy.x509.fingerprint256);
    },
  );

  test("the server receives an EC user certificate given as [cert, key]", async () => {
    const user = issueUserCertificate({ keyType: "ec" });
    await got(`${server.origin}/x509/ec-user`, {
      https: { ...gotCertificateOptions(writeCertAndKey(dir, user)), ...trustTestCa().https },
      retry: { limit: 0 },
    });
    const recorded = server.requests.find((r) => r.url === "/x509/ec-user");
    expect(recorded?.clientChain[0]).toBe(user.commonName);
    expect(recorded?.clientCert?.fingerprint256).toBe(user.x509.fingerprint256);
  });
});
