import { chownSync, existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { IgwnAuthError, Session, X509Strategy } from "../../src/index.js";
import { defaultX509ProxyPath } from "../../src/x509/discovery.js";
import { restoreEnv, setEnv, tempDir } from "../helpers/env.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";
import {
  expiringIn,
  issueProxyCertificate,
  issueUserCertificate,
  proxyFileText,
  testUserCa,
  writeCertAndKey,
  writeProxyFile,
} from "../helpers/x509-pki.js";

let mtls: TestServer;
beforeAll(async () => {
  mtls = await startServer({ requestCert: true, clientCa: [testUserCa().certPem] });
});
afterAll(() => mtls.close());
afterEach(() => {
  restoreEnv();
  mtls.requests.length = 0;
});

describe("Session with X.509 credentials", () => {
  it("discovers a proxy from $X509_USER_PROXY and presents it with its chain", async () => {
    const user = issueUserCertificate({ commonName: "Albert Einstein" });
    const proxy = issueProxyCertificate(user);
    const path = writeProxyFile(tempDir(), proxy, [user]);
    setEnv({ X509_USER_PROXY: path });
    const session = new Session({ token: false, ...trustTestCa() });
    expect(session.cert).toBe(path);
    await session.get(`${mtls.origin}/whoami`);
    // The recorder joins a subject's CNs: the proxy's subject is the user's plus its own CN.
    expect(mtls.requests[0]?.clientChain.slice(0, 2)).toEqual([
      `${user.commonName}/${proxy.commonName}`,
      user.commonName,
    ]);
  });

  it("presents an explicit EC certificate and key pair", async () => {
    const user = issueUserCertificate({ keyType: "ec", commonName: "Marie Curie" });
    const pair = writeCertAndKey(tempDir(), user);
    const session = new Session({ token: false, cert: pair, ...trustTestCa() });
    await session.get(`${mtls.origin}/ec`);
    expect(mtls.requests[0]?.clientChain[0]).toBe("Marie Curie");
    expect(
      mtls.requests[0]?.clientCert?.asn1Curve ?? mtls.requests[0]?.clientCert?.nistCurve,
    ).toBeTruthy();
  });

  it("presents no certificate with cert: false", async () => {
    const user = issueUserCertificate();
    setEnv({ X509_USER_PROXY: writeProxyFile(tempDir(), issueProxyCertificate(user), [user]) });
    const session = new Session({ token: false, cert: false, ...trustTestCa() });
    await session.get(`${mtls.origin}/none`);
    expect(mtls.requests[0]?.clientChain).toEqual([]);
  });

  it("searches again on each request when the session found no certificate", async () => {
    const session = new Session({ token: false, ...trustTestCa() });
    expect(session.cert).toBeNull();
    await session.get(`${mtls.origin}/before`);
    const user = issueUserCertificate({ commonName: "Late Proxy" });
    setEnv({ X509_USER_PROXY: writeProxyFile(tempDir(), issueProxyCertificate(user), [user]) });
    await session.get(`${mtls.origin}/after`, { cert: undefined });
    await session.get(`${mtls.origin}/again`);
    // A resumed TLS session shows the server only the leaf, so compare leaves.
    const leaves = mtls.requests.map((r) => r.clientChain[0]?.split("/")[0]);
    expect(leaves).toEqual([undefined, "Late Proxy", "Late Proxy"]);
  });

  it("notices a proxy written where a variable already pointed, within a second", async () => {
    const dir = tempDir();
    const path = `${dir}/x509up_later`;
    setEnv({ X509_USER_PROXY: path });
    const session = new Session({ token: false, ...trustTestCa() });
    await session.get(`${mtls.origin}/before`);
    const user = issueUserCertificate({ commonName: "Written Later" });
    writeProxyFile(dir, issueProxyCertificate(user), [user], "x509up_later");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await session.get(`${mtls.origin}/after`);
    const leaves = mtls.requests.map((r) => r.clientChain[0]?.split("/")[0]);
    expect(leaves).toEqual([undefined, "Written Later"]);
  });

  it("rejects a request when the explicit certificate file is missing", async () => {
    const session = new Session({
      token: false,
      cert: `${tempDir()}/missing.pem`,
      ...trustTestCa(),
    });
    const error = await session.get(`${mtls.origin}/x`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IgwnAuthError);
    expect(String((error as Error).message)).toContain("missing.pem");
    expect(mtls.requests).toHaveLength(0);
  });

  it("counts a certificate for failIfNoauth", () => {
    const user = issueUserCertificate();
    setEnv({ X509_USER_PROXY: writeProxyFile(tempDir(), issueProxyCertificate(user), [user]) });
    expect(() => new Session({ token: false, failIfNoauth: true })).not.toThrow();
  });
});

describe("a renewed proxy", () => {
  it("is presented by requests made a second after the file was replaced", async () => {
    const dir = tempDir();
    const first = issueUserCertificate({ commonName: "First Proxy" });
    const path = writeProxyFile(dir, issueProxyCertificate(first), [first], "x509up_renew");
    const session = new Session({ token: false, cert: path, ...trustTestCa() });
    await session.get(`${mtls.origin}/one`);
    const second = issueUserCertificate({ commonName: "Second Proxy", freshKey: true });
    writeProxyFile(
      dir,
      issueProxyCertificate(second, { freshKey: true }),
      [second],
      "x509up_renew.tmp",
    );
    renameSync(`${dir}/x509up_renew.tmp`, path);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await session.get(`${mtls.origin}/two`);
    const leaves = mtls.requests.map((r) => r.clientChain[0]?.split("/")[0]);
    expect(leaves).toEqual(["First Proxy", "Second Proxy"]);
  });

  it("gets new TLS options from its strategy; the same frozen ones until then", async () => {
    const dir = tempDir();
    const first = issueUserCertificate({ commonName: "Kept" });
    const path = writeProxyFile(dir, issueProxyCertificate(first), [first], "x509up_kept");
    const strategy = new X509Strategy(path);
    const before = strategy.gotOptions();
    expect(strategy.gotOptions()).toBe(before);
    expect(Object.isFrozen(before) && Object.isFrozen(before.https)).toBe(true);
    const second = issueUserCertificate({ commonName: "Replaced", freshKey: true });
    writeProxyFile(dir, issueProxyCertificate(second, { freshKey: true }), [second], "x509up_kept");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = strategy.gotOptions();
    expect(after).not.toBe(before);
    expect(after.https?.key).not.toBe(before.https?.key);
  });
});

describe("a session's own X.509 discovery", () => {
  /** Skip when another run's /tmp/x509up_u<uid> would come before ~/.globus. */
  function skipIfDefaultProxy(ctx: { skip: (note?: string) => void }): void {
    const path = defaultX509ProxyPath();
    if (existsSync(path)) ctx.skip(`${path} already exists (another run's proxy comes first)`);
  }

  afterEach(() => {
    rmSync(join(homedir(), ".globus"), { recursive: true, force: true });
  });

  it.for([
    ["cert unset (discover, move on)", undefined],
    ["cert: true (discover, required)", true],
  ] as const)("wants 600 s left, as findX509Credentials does: %s", async ([, cert], ctx) => {
    skipIfDefaultProxy(ctx);
    const soon = issueUserCertificate({ commonName: "Expiring Soon" });
    const proxy = issueProxyCertificate(soon, expiringIn(300));
    setEnv({ X509_USER_PROXY: writeProxyFile(tempDir(), proxy, [soon]) });
    const globus = writeCertAndKey(
      join(homedir(), ".globus"),
      issueUserCertificate({ commonName: "Globus User" }),
    );
    const session = new Session({
      token: false,
      ...(cert === undefined ? {} : { cert }),
      ...trustTestCa(),
    });
    expect(session.cert).toEqual(globus);
    await session.get(`${mtls.origin}/timeleft`);
    expect(mtls.requests[0]?.clientChain[0]).toBe("Globus User");
  });

  it("presents no certificate with forceNoauth, though a valid proxy is there", async () => {
    const user = issueUserCertificate({ commonName: "Never Presented" });
    setEnv({ X509_USER_PROXY: writeProxyFile(tempDir(), issueProxyCertificate(user), [user]) });
    const session = new Session({ forceNoauth: true, ...trustTestCa() });
    expect(session.cert).toBeNull();
    await session.get(`${mtls.origin}/noauth`);
    expect(mtls.requests[0]?.clientChain).toEqual([]);
  });

  it("presents no certificate on a request with forceNoauth, and the proxy on the next", async () => {
    const user = issueUserCertificate({ commonName: "Presented Later" });
    setEnv({ X509_USER_PROXY: writeProxyFile(tempDir(), issueProxyCertificate(user), [user]) });
    const session = new Session({ token: false, ...trustTestCa() });
    await session.get(`${mtls.origin}/noauth`, { forceNoauth: true });
    await session.get(`${mtls.origin}/auth`);
    const leaves = mtls.requests.map((r) => r.clientChain[0]?.split("/")[0]);
    expect(leaves).toEqual([undefined, "Presented Later"]);
  });
});

describe("a pre-RFC 3820 (legacy) proxy", () => {
  function legacyProxy(commonName: string): string {
    const user = issueUserCertificate({ commonName });
    const legacy = issueProxyCertificate(user, { withoutProxyCertInfo: true, commonName: "proxy" });
    return writeProxyFile(tempDir(), legacy, [user]);
  }

  it("is passed over by a session's discovery, which presents the next candidate", async (ctx) => {
    if (existsSync(defaultX509ProxyPath())) ctx.skip("a real /tmp/x509up_u<uid> exists");
    setEnv({ X509_USER_PROXY: legacyProxy("Legacy User") });
    const globus = writeCertAndKey(
      join(homedir(), ".globus"),
      issueUserCertificate({ commonName: "Globus User" }),
    );
    try {
      const session = new Session({ token: false, ...trustTestCa() });
      expect(session.cert).toEqual(globus);
      await session.get(`${mtls.origin}/legacy`);
      expect(mtls.requests[0]?.clientChain[0]).toBe("Globus User");
      expect(() => new Session({ token: false, cert: true })).not.toThrow();
    } finally {
      rmSync(join(homedir(), ".globus"), { recursive: true, force: true });
    }
  });

  it("fails cert: true when it is the only candidate", (ctx) => {
    if (existsSync(defaultX509ProxyPath())) ctx.skip("a real /tmp/x509up_u<uid> exists");
    setEnv({ X509_USER_PROXY: legacyProxy("Legacy Only") });
    expect(() => new Session({ token: false, cert: true })).toThrow(IgwnAuthError);
  });

  it("given explicitly, is presented as asked, with one warning per process", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const path = legacyProxy("Explicit Legacy");
      const session = new Session({ token: false, cert: path, ...trustTestCa() });
      await session.get(`${mtls.origin}/one`);
      await new Session({ token: false, cert: legacyProxy("Another"), ...trustTestCa() }).get(
        `${mtls.origin}/two`,
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(mtls.requests[0]?.clientChain[0]).toBe("Explicit Legacy/proxy");
      const legacy = warnings.filter((w) => /legacy proxy/.test(w.message));
      expect(legacy.map((w) => w.message)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^X\\.509 certificate file ${path} holds a legacy proxy: make an RFC 3820 one`,
          ),
        ),
      ]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("a proxy another user put at /tmp/x509up_u<uid>", () => {
  it("is never presented: the session presents ~/.globus instead", async (ctx) => {
    if (process.geteuid?.() !== 0) ctx.skip("giving a file to another user needs root");
    const path = defaultX509ProxyPath();
    if (existsSync(path)) ctx.skip(`${path} already exists (another run's proxy)`);
    const attacker = issueUserCertificate({ commonName: "Mallory" });
    const globus = writeCertAndKey(
      join(homedir(), ".globus"),
      issueUserCertificate({ commonName: "Globus User" }),
    );
    try {
      writeFileSync(path, proxyFileText(issueProxyCertificate(attacker), attacker), {
        mode: 0o600,
      });
      chownSync(path, 65534, 65534);
      const session = new Session({ token: false, ...trustTestCa() });
      expect(session.cert).toEqual(globus);
      await session.get(`${mtls.origin}/planted`);
      expect(mtls.requests[0]?.clientChain[0]).toBe("Globus User");
      // Named explicitly, it is refused too, before any connection is made.
      const explicit = new Session({ token: false, cert: path, ...trustTestCa() });
      const error = await explicit.get(`${mtls.origin}/explicit`).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "IgwnAuthError", code: "ERR_INSECURE_PERMISSIONS" });
      expect(mtls.requests).toHaveLength(1);
    } finally {
      rmSync(path, { force: true });
      rmSync(join(homedir(), ".globus"), { recursive: true, force: true });
    }
  });
});
