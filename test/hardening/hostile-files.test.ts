// Credential files that fight back. Each must give a clear IgwnAuthError that names the file
// (or, in discovery, be passed over with that reason) quickly: never a hang on a FIFO, never a
// 100 MB read, never a crash, never the file's contents in a message.
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ErrorCode,
  findScitoken,
  findX509Credentials,
  getNetrcAuth,
  IgwnAuthError,
  loadTokenFile,
  loadX509CertificateFile,
  Session,
} from "../../src/index.js";
import { readCredentialFile, readCredentialFileSync } from "../../src/lib/read-file.js";
import { findUsableX509Credentials } from "../../src/x509/discovery.js";
import { restoreEnv, setEnv, tempDir, writeFile } from "../helpers/env.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";
import {
  issueProxyCertificate,
  issueUserCertificate,
  proxyFileText,
  testUserCa,
  writeCredentialFile,
} from "../helpers/x509-pki.js";
import { directory, fifo, hugeFile, isRoot, symlinkLoop, timed } from "./fixtures/hostile.js";
import { LeakWatch, rejectionOf } from "./fixtures/leaks.js";
import { type LocalSigner, localSigner } from "./fixtures/tokens.js";

let signer: LocalSigner;
let server: TestServer;
let mtls: TestServer;
const leaks = new LeakWatch();

beforeAll(async () => {
  signer = await localSigner();
  server = await startServer();
  mtls = await startServer({ requestCert: true, clientCa: [testUserCa().certPem] });
  leaks.watchWarnings();
});
afterAll(async () => {
  leaks.stop();
  await Promise.all([server.close(), mtls.close()]);
  expect(leaks.recorded).toBeGreaterThan(0);
  expect(leaks.leaks()).toEqual([]);
});
afterEach(() => {
  restoreEnv();
  server.requests.length = 0;
  mtls.requests.length = 0;
});

const verification = () => ({ publicKey: signer.publicKey });

/** The IgwnAuthError a sync call throws or an async one rejects with. */
async function authError(fn: () => unknown): Promise<IgwnAuthError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(IgwnAuthError);
  leaks.error("hostile file", caught);
  return caught as IgwnAuthError;
}

describe("a token file that is not a token file", () => {
  const cases: Array<[string, (dir: string) => string, RegExp]> = [
    ["a directory", (dir) => directory(dir), /is a directory, not a file/],
    ["a FIFO with no writer", (dir) => fifo(dir), /is not a regular file/],
    ["a symlink loop", (dir) => symlinkLoop(dir), /is a symbolic link loop/],
    [
      "a 100 MB file",
      (dir) => hugeFile(dir),
      /is too large \(104857600 bytes, the limit is 65536\)/,
    ],
    ["a device that never ends", () => "/dev/zero", /is not a regular file/],
  ];

  it.each(cases)("refuses %s at once with ERR_FILE_READ naming it", async (_name, make, reason) => {
    const path = make(tempDir());
    const { value: err, ms } = await timed(() =>
      authError(() => loadTokenFile(path, verification())),
    );
    expect(err.code).toBe(ErrorCode.FILE_READ);
    expect(err.message).toContain(`token file ${path}`);
    expect(err.message).toMatch(reason);
    expect(ms).toBeLessThan(1000);
  });

  it.each(cases)(
    "passes over %s in discovery and says why, then uses the next token",
    async (_name, make, reason) => {
      const dir = tempDir();
      const path = make(dir);
      const good = await signer.mint();
      leaks.secret(good);
      setEnv({ SCITOKEN_FILE: path, BEARER_TOKEN: good });
      const token = await findScitoken(["ANY"], undefined, verification());
      expect(token.serialized).toBe(good);

      setEnv({ BEARER_TOKEN: undefined });
      const err = await authError(() => findScitoken(["ANY"], undefined, verification()));
      expect(err.code).toBe(ErrorCode.NO_CREDENTIAL);
      expect(err.message).toContain(`$SCITOKEN_FILE (${path}): `);
      expect(err.message).toMatch(reason);
    },
  );

  it("lets a session request go ahead without a token, and fails token: true clearly", async () => {
    const dir = tempDir();
    setEnv({ BEARER_TOKEN_FILE: fifo(dir), _CONDOR_CREDS: dir });
    const session = new Session({
      cert: false,
      tokenVerification: verification(),
      ...trustTestCa(),
    });
    const { ms } = await timed(() => session.get(`${server.origin}/anonymous`));
    expect(ms).toBeLessThan(2000);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();

    const strict = new Session({
      cert: false,
      token: true,
      tokenVerification: verification(),
      ...trustTestCa(),
    });
    const err = await rejectionOf(strict.get(`${server.origin}/strict`));
    expect(err).toBeInstanceOf(IgwnAuthError);
    expect((err as IgwnAuthError).code).toBe(ErrorCode.NO_CREDENTIAL);
    leaks.error("token: true", err);
  });

  it("passes over a *.use entry in $_CONDOR_CREDS that is a directory or a FIFO", async () => {
    const creds = tempDir();
    directory(creds, "a.use");
    fifo(creds, "b.use");
    const good = await signer.mint();
    leaks.secret(good);
    writeFile(join(creds, "c.use"), `${good}\n`);
    setEnv({ _CONDOR_CREDS: creds });
    expect((await findScitoken(["ANY"], undefined, verification())).serialized).toBe(good);
  });

  it("reads a token file with CRLF, a byte-order mark or surrounding blank lines", async () => {
    const dir = tempDir();
    const good = await signer.mint();
    leaks.secret(good);
    for (const [name, text] of [
      ["crlf", `${good}\r\n`],
      ["bom", `\uFEFF${good}\n`],
      ["blank", `\n\n  ${good}  \n\n`],
    ]) {
      const token = await loadTokenFile(writeFile(join(dir, name), text), verification());
      expect(token.serialized).toBe(good);
    }
  });

  it("refuses a token file holding binary junk without echoing it", async () => {
    const path = join(tempDir(), "junk");
    writeFileSync(path, Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x2e, 0x42, 0x2e, 0x43]), {
      mode: 0o600,
    });
    const err = await authError(() => loadTokenFile(path, verification()));
    expect(err.code).toBe(ErrorCode.INVALID_TOKEN);
    expect(err.message).toContain(path);
  });
});

describe("bounded reads", () => {
  it("reads a file whose size the kernel reports as 0 to its end (procfs)", async () => {
    // /proc files stat as empty but have content: a read cut at the stat size would hand
    // back one byte and call it the whole file.
    const sync = readCredentialFileSync("/proc/self/status").text;
    const async = (await readCredentialFile("/proc/self/status")).text;
    for (const text of [sync, async]) {
      expect(text).toMatch(/^Name:/);
      expect(text).toContain("\nPid:");
    }
  });

  it("still refuses such a file once it is larger than the limit", async () => {
    const what = { what: "test file", maxBytes: 16 };
    await authError(() => readCredentialFileSync("/proc/self/status", what));
    const err = await authError(() => readCredentialFile("/proc/self/status", what));
    expect(err.message).toBe("test file /proc/self/status is too large (the limit is 16 bytes)");
  });

  it("refuses a 100 MB file without reading it", async () => {
    const path = hugeFile(tempDir());
    const { ms } = await timed(async () => {
      await authError(() => readCredentialFileSync(path));
      await authError(() => readCredentialFile(path));
    });
    expect(ms).toBeLessThan(500);
  });
});

describe("a netrc file that is not a netrc file", () => {
  const cases: Array<[string, (dir: string) => string, RegExp]> = [
    ["a directory", (dir) => directory(dir), /is a directory, not a file/],
    ["a FIFO", (dir) => fifo(dir), /is not a regular file/],
    ["a symlink loop", (dir) => symlinkLoop(dir), /is a symbolic link loop/],
    ["a 100 MB file", (dir) => hugeFile(dir), /is too large/],
    ["a device", () => "/dev/zero", /is not a regular file/],
  ];

  it.each(cases)(
    "is unusable when it is %s: null, or a clear error with raiseErrors",
    async (_n, make, reason) => {
      const path = make(tempDir());
      setEnv({ NETRC: path });
      const { value, ms } = await timed(() => getNetrcAuth("https://example.org"));
      expect(value).toBeNull();
      expect(ms).toBeLessThan(500);
      const err = await authError(() => getNetrcAuth("https://example.org", { raiseErrors: true }));
      expect(err.code).toBe(ErrorCode.FILE_READ);
      expect(err.message).toContain(`netrc file ${path}`);
      expect(err.message).toMatch(reason);
    },
  );

  it.skipIf(!isRoot)(
    "refuses a netrc owned by another user (checked as root by chown)",
    async () => {
      const path = writeFile(
        join(tempDir(), "netrc"),
        "machine example.org login a password owned-pw\n",
      );
      leaks.basic("a", "owned-pw");
      chownSync(path, 65534, 65534);
      setEnv({ NETRC: path });
      expect(getNetrcAuth("https://example.org")).toBeNull();
      const err = await authError(() => getNetrcAuth("https://example.org", { raiseErrors: true }));
      expect(err.code).toBe(ErrorCode.INSECURE_PERMISSIONS);
      expect(err.message).toMatch(
        /is owned by uid 65534, not the current user \(uid 0\).*too permissive/,
      );
    },
  );

  it("sends nothing from a netrc owned by another user", async () => {
    const path = writeFile(
      join(tempDir(), "netrc"),
      "machine 127.0.0.1 login a password owned-pw\n",
    );
    leaks.basic("a", "owned-pw");
    if (isRoot) chownSync(path, 65534, 65534);
    else chmodSync(path, 0o644); // the part a non-root user can make unsafe
    setEnv({ NETRC: path });
    await new Session({ token: false, cert: false, ...trustTestCa() }).get(`${server.origin}/n`);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });
});

describe("unreadable files (mode 000)", () => {
  // Root reads anything, so the check runs as `nobody` in a child process when the suite is
  // root, and in this process otherwise.
  const distIndex = join(process.cwd(), "dist", "index.js");

  it("reports a token file, a netrc and a proxy that cannot be read as not readable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "igwn-hardening-000-"));
    try {
      chmodSync(dir, 0o755);
      const token = writeFile(join(dir, "token"), "a.b.c\n", 0o000);
      const netrc = writeFile(join(dir, "netrc"), "default login x password y\n", 0o000);
      const proxy = writeFile(join(dir, "proxy"), "", 0o000);
      const script = `
        import { loadTokenFile, getNetrcAuth, loadX509CertificateFile } from ${JSON.stringify(distIndex)};
        const out = [];
        await loadTokenFile(${JSON.stringify(token)}, { publicKey: "x" }).catch((e) => out.push([e.name, e.code, e.message]));
        process.env.NETRC = ${JSON.stringify(netrc)};
        try { getNetrcAuth("https://example.org", { raiseErrors: true }); } catch (e) { out.push([e.name, e.code, e.message]); }
        try { loadX509CertificateFile(${JSON.stringify(proxy)}); } catch (e) { out.push([e.name, e.code, e.message]); }
        console.log(JSON.stringify(out));`;
      if (isRoot) {
        for (const path of [token, netrc, proxy]) chownSync(path, 65534, 65534);
      }
      const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
        encoding: "utf8",
        timeout: 15_000,
        ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
        env: { PATH: process.env.PATH ?? "", HOME: dir },
      });
      expect(child.stderr).toBe("");
      const results = JSON.parse(child.stdout) as Array<[string, string, string]>;
      expect(results).toEqual([
        [
          "IgwnAuthError",
          "ERR_FILE_READ",
          `token file ${token} is not readable (permission denied)`,
        ],
        [
          "IgwnAuthError",
          "ERR_FILE_READ",
          `netrc file ${netrc} is not readable (permission denied)`,
        ],
        [
          "IgwnAuthError",
          "ERR_FILE_READ",
          `X.509 certificate file ${proxy} is not readable (permission denied)`,
        ],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("X.509 files", () => {
  const cases: Array<[string, (dir: string) => string, RegExp]> = [
    ["a directory", (dir) => directory(dir), /is a directory, not a file/],
    ["a FIFO", (dir) => fifo(dir), /is not a regular file/],
    ["a symlink loop", (dir) => symlinkLoop(dir), /is a symbolic link loop/],
    ["a 100 MB file", (dir) => hugeFile(dir), /is too large/],
  ];

  it.each(cases)("refuses a proxy that is %s, and discovery moves on", async (_n, make, reason) => {
    const path = make(tempDir());
    const err = await authError(() => loadX509CertificateFile(path));
    expect(err.code).toBe(ErrorCode.FILE_READ);
    expect(err.message).toMatch(reason);
    setEnv({ X509_USER_PROXY: path });
    const { ms } = await timed(() =>
      expect(() => findX509Credentials({ onError: "ignore" })).toThrow(IgwnAuthError),
    );
    expect(ms).toBeLessThan(1000);
  });

  function proxyWithoutKey(): { path: string; user: ReturnType<typeof issueUserCertificate> } {
    const user = issueUserCertificate({ commonName: "Keyless" });
    const proxy = issueProxyCertificate(user);
    const path = writeCredentialFile(tempDir(), "x509up_nokey", proxy.certPem + user.certPem);
    return { path, user };
  }

  function firstError(fn: () => unknown): IgwnAuthError {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(IgwnAuthError);
      leaks.error("x509 discovery", err);
      return err as IgwnAuthError;
    }
    throw new Error("expected an IgwnAuthError");
  }

  it("passes over a proxy file without its private key when a usable credential is wanted", () => {
    const { path } = proxyWithoutKey();
    setEnv({ X509_USER_PROXY: path });
    // findX509Credentials keeps the Python package's rule (the file's certificate is valid);
    // the session needs more: a credential it can present.
    expect(findX509Credentials({ onError: "ignore" })).toBe(path);
    const err = firstError(() => findUsableX509Credentials({ onError: "raise" }));
    expect(err.message).toContain(`'${path}' (from X509_USER_PROXY)`);
    expect(err.message).toContain("holds no private key");
  });

  it("passes over a ~/.globus key protected by a passphrase, or one that is not the certificate's", () => {
    const user = issueUserCertificate({ commonName: "Careful User", freshKey: true });
    const other = issueUserCertificate({ commonName: "Other User", freshKey: true });
    const encrypted = user.privateKey
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" })
      .toString();
    const dir = tempDir();
    const cert = writeCredentialFile(dir, "usercert.pem", user.certPem);
    setEnv({ X509_USER_CERT: cert, X509_USER_KEY: writeCredentialFile(dir, "enc.pem", encrypted) });
    expect(firstError(() => findUsableX509Credentials({ onError: "raise" })).message).toContain(
      "is encrypted with a passphrase",
    );
    leaks.secret(other.keyPem);
    leaks.public(other.certPem, user.certPem);
    setEnv({ X509_USER_KEY: writeCredentialFile(dir, "other.pem", other.keyPem) });
    expect(firstError(() => findUsableX509Credentials({ onError: "raise" })).message).toContain(
      "does not match the certificate",
    );
  });

  // BUG (src/session/resolver.ts, resolveCertificate): a session that discovers its
  // certificate (cert undefined, the default) takes whatever findX509Credentials returns,
  // and a key-less proxy (or an encrypted ~/.globus key) then fails every request — token
  // requests included — with "holds no private key". Fix: call findUsableX509Credentials
  // (src/x509/discovery.ts) there instead of findX509Credentials.
  it("lets a session with default discovery work when the only proxy has no key", async () => {
    const { path } = proxyWithoutKey();
    setEnv({ X509_USER_PROXY: path });
    const session = new Session({ token: false, ...trustTestCa() });
    expect(session.cert).toBeNull();
    await session.get(`${mtls.origin}/anonymous`);
    expect(mtls.requests[0]?.clientChain).toEqual([]);
  });

  // Same bug as above: cert: true should fail at construction, not on every request.
  it("fails cert: true at construction when the only proxy has no key", () => {
    const { path } = proxyWithoutKey();
    setEnv({ X509_USER_PROXY: path });
    expect(() => new Session({ cert: true, token: false })).toThrow(
      /could not find an RFC-3820 compliant X\.509 credential/,
    );
  });

  it("rejects a request with an explicit key-less proxy as an IgwnAuthError, not a TLS crash", async () => {
    const { path } = proxyWithoutKey();
    const session = new Session({ cert: path, token: false, ...trustTestCa() });
    const err = await rejectionOf(session.get(`${mtls.origin}/x`));
    expect(err).toBeInstanceOf(IgwnAuthError);
    expect(err.message).toContain(`X.509 certificate file ${path} holds no private key`);
    expect(mtls.requests).toHaveLength(0);
  });

  it.each([
    ["CRLF", "\r\n"],
    ["CR", "\r"],
  ])("presents a proxy file written with %s line endings, with its chain", async (_n, eol) => {
    const user = issueUserCertificate({ commonName: "Windows Editor" });
    const proxy = issueProxyCertificate(user);
    leaks.secret(proxy.keyPem);
    leaks.public(proxy.certPem, user.certPem);
    const text = proxyFileText(proxy, user).replace(/\n/g, eol);
    const path = writeCredentialFile(tempDir(), "x509up_crlf", text);
    expect(loadX509CertificateFile(path).certificates).toHaveLength(2);
    setEnv({ X509_USER_PROXY: path });
    const session = new Session({ token: false, ...trustTestCa() });
    expect(session.cert).toBe(path);
    leaks.object("session with a CRLF proxy", session);
    await session.get(`${mtls.origin}/whoami`);
    expect(mtls.requests[0]?.clientChain.slice(0, 2)).toEqual([
      `${user.commonName}/${proxy.commonName}`,
      user.commonName,
    ]);
  });

  it("presents a certificate and key pair written with CRLF line endings", async () => {
    const user = issueUserCertificate({ commonName: "Pair Editor", keyType: "ec" });
    leaks.secret(user.keyPem);
    leaks.public(user.certPem);
    const dir = tempDir();
    const cert = writeCredentialFile(dir, "usercert.pem", user.certPem.replace(/\n/g, "\r\n"));
    const key = writeCredentialFile(dir, "userkey.pem", user.keyPem.replace(/\n/g, "\r\n"));
    const session = new Session({ cert: [cert, key], token: false, ...trustTestCa() });
    await session.get(`${mtls.origin}/whoami`);
    expect(mtls.requests[0]?.clientChain[0]).toBe(user.commonName);
  });
});
