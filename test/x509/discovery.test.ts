import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, rmSync, symlinkSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ErrorCode, IgwnAuthError } from "../../src/lib/errors.js";
import {
  defaultX509ProxyPath,
  explainX509Discovery,
  findX509Credentials,
  globusCertificatePaths,
} from "../../src/x509/discovery.js";
import { tempDir } from "../helpers/env.js";
import {
  expiringIn,
  issueProxyCertificate,
  issueUserCertificate,
  proxyFileText,
  rsaPublicKeyPem,
  writeCertAndKey,
  writeCredentialFile,
  writeProxyFile,
} from "../helpers/x509-pki.js";

const isRoot = process.getuid?.() === 0;
let dir: string;
let warnings: Error[];
const onWarning = (w: Error) => warnings.push(w);

beforeEach(() => {
  dir = tempDir("x509-");
  warnings = [];
  process.on("warning", onWarning);
  for (const name of ["X509_USER_CERT", "X509_USER_KEY", "X509_USER_PROXY"])
    delete process.env[name];
  rmSync(join(homedir(), ".globus"), { recursive: true, force: true });
});

afterEach(() => {
  process.off("warning", onWarning);
});

/** Process warnings are emitted on the next tick. */
async function flushWarnings(): Promise<Error[]> {
  await new Promise((resolve) => setImmediate(resolve));
  return warnings.filter((w) => w.name !== "DeprecationWarning");
}

function validProxyFile(name = "proxy.pem"): string {
  const user = issueUserCertificate();
  return writeProxyFile(dir, issueProxyCertificate(user), [user], name);
}

function writeGlobus(options: Parameters<typeof issueUserCertificate>[0] = {}): [string, string] {
  return writeCertAndKey(join(homedir(), ".globus"), issueUserCertificate(options));
}

/**
 * Run `fn` with `/tmp/x509up_u<uid>` holding `text`, skipping when the file already exists
 * (it belongs to someone) and always removing it afterwards.
 */
function withDefaultProxy(
  ctx: { skip: (note?: string) => void },
  text: string,
  fn: (path: string) => void,
): void {
  const path = defaultX509ProxyPath();
  if (existsSync(path)) {
    ctx.skip(`${path} already exists`);
    return;
  }
  try {
    writeCredentialFile("/tmp", path.slice("/tmp/".length), text);
    fn(path);
  } finally {
    rmSync(path, { force: true });
  }
}

describe("defaultX509ProxyPath", () => {
  test("is /tmp/x509up_u<uid>", () => {
    expect(defaultX509ProxyPath()).toBe(`/tmp/x509up_u${process.getuid?.()}`);
  });

  test("the ~/.globus pair follows os.homedir()", () => {
    expect(globusCertificatePaths()).toEqual([
      join(homedir(), ".globus", "usercert.pem"),
      join(homedir(), ".globus", "userkey.pem"),
    ]);
  });
});

describe("findX509Credentials", () => {
  test("returns the X509_USER_CERT and X509_USER_KEY pair", () => {
    const user = issueUserCertificate();
    const cert = writeCredentialFile(dir, "x509.pem", user.certPem);
    // As in the Python tests: the key file is only checked to be readable.
    const key = writeCredentialFile(dir, "key.pem", rsaPublicKeyPem());
    process.env.X509_USER_CERT = cert;
    process.env.X509_USER_KEY = key;
    expect(findX509Credentials()).toEqual([cert, key]);
  });

  test("returns X509_USER_PROXY when X509_USER_CERT/KEY are not set", () => {
    const cert = writeCredentialFile(dir, "x509.pem", issueUserCertificate().certPem);
    process.env.X509_USER_PROXY = cert;
    expect(findX509Credentials()).toBe(cert);
  });

  test("returns /tmp/x509up_u<uid> when no variable is set", (ctx) => {
    const user = issueUserCertificate();
    withDefaultProxy(ctx, user.certPem + user.keyPem, (path) => {
      expect(findX509Credentials()).toBe(path);
    });
  });

  test("returns the ~/.globus pair when all else fails", (ctx) => {
    if (existsSync(defaultX509ProxyPath())) ctx.skip("a real /tmp/x509up_u<uid> exists");
    const [cert, key] = writeGlobus();
    expect(findX509Credentials({ onError: "raise" })).toEqual([cert, key]);
  });

  test("prefers X509_USER_CERT/KEY over X509_USER_PROXY", () => {
    const [cert, key] = writeCertAndKey(dir, issueUserCertificate());
    process.env.X509_USER_CERT = cert;
    process.env.X509_USER_KEY = key;
    process.env.X509_USER_PROXY = validProxyFile();
    expect(findX509Credentials()).toEqual([cert, key]);
  });

  test("moves on from an expired X509_USER_CERT to X509_USER_PROXY", async () => {
    const [cert, key] = writeCertAndKey(dir, issueUserCertificate(expiringIn(-60)));
    process.env.X509_USER_CERT = cert;
    process.env.X509_USER_KEY = key;
    const proxy = validProxyFile();
    process.env.X509_USER_PROXY = proxy;
    expect(findX509Credentials()).toBe(proxy);
    const [warning] = await flushWarnings();
    expect(warning?.message).toMatch(
      new RegExp(
        `^Failed to validate '${cert}' \\(from X509_USER_CERT/X509_USER_KEY\\): .*expired`,
      ),
    );
  });

  test("moves on from X509_USER_PROXY naming a missing file, with a warning", async (ctx) => {
    if (existsSync(defaultX509ProxyPath())) ctx.skip("a real /tmp/x509up_u<uid> exists");
    const missing = join(dir, "gone");
    process.env.X509_USER_PROXY = missing;
    const pair = writeGlobus();
    expect(findX509Credentials()).toEqual(pair);
    const messages = (await flushWarnings()).map((w) => w.message);
    expect(messages).toEqual([
      `Failed to validate '${missing}' (from X509_USER_PROXY): X.509 certificate file ${missing} does not exist`,
    ]);
  });

  test("moves on from a proxy that expires within timeleft to ~/.globus", (ctx) => {
    if (existsSync(defaultX509ProxyPath())) ctx.skip("a real /tmp/x509up_u<uid> exists");
    const user = issueUserCertificate();
    process.env.X509_USER_PROXY = writeProxyFile(
      dir,
      issueProxyCertificate(user, expiringIn(300)),
      [user],
    );
    const pair = writeGlobus();
    expect(findX509Credentials({ onError: "ignore" })).toEqual(pair);
    expect(findX509Credentials({ onError: "ignore", timeleft: 60 })).toBe(
      process.env.X509_USER_PROXY,
    );
  });

  test("moves on from an invalid /tmp/x509up_u<uid> to ~/.globus", (ctx) => {
    withDefaultProxy(ctx, "not a certificate\n", () => {
      const pair = writeGlobus();
      expect(findX509Credentials({ onError: "ignore" })).toEqual(pair);
    });
  });

  test("rejects an X509_USER_KEY that is a directory or missing", async () => {
    const cert = writeCredentialFile(dir, "x509.pem", issueUserCertificate().certPem);
    process.env.X509_USER_CERT = cert;
    for (const key of [dir, join(dir, "no-key.pem")]) {
      process.env.X509_USER_KEY = key;
      const error = (() => {
        try {
          findX509Credentials({ onError: "raise" });
        } catch (err) {
          return err as IgwnAuthError;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(IgwnAuthError);
      expect(error?.code).toBe(ErrorCode.FILE_READ);
      expect(error?.message).toMatch(
        new RegExp(
          `^Failed to validate '${cert}'.*X\\.509 private key file ${key} (is a directory|does not exist)`,
        ),
      );
    }
  });

  test("rejects an X509_USER_KEY that cannot be read (mode 000, as non-root)", () => {
    const [cert, key] = writeCertAndKey(dir, issueUserCertificate());
    chmodSync(key, 0o000);
    process.env.X509_USER_CERT = cert;
    process.env.X509_USER_KEY = key;
    if (isRoot) {
      // root reads any file: the mode cannot make it unreadable.
      expect(findX509Credentials({ onError: "raise" })).toEqual([cert, key]);
      return;
    }
    expect(() => findX509Credentials({ onError: "raise" })).toThrow(/permission denied/);
  });

  test("ignores a ~/.globus with only one of the two files", (ctx) => {
    if (existsSync(defaultX509ProxyPath())) ctx.skip("a real /tmp/x509up_u<uid> exists");
    const [, key] = writeGlobus();
    rmSync(key);
    expect(() => findX509Credentials({ onError: "raise" })).toThrow(/could not find an RFC-3820/);
  });

  test("says what it looked at when nothing is valid", async (ctx) => {
    if (existsSync(defaultX509ProxyPath())) ctx.skip("a real /tmp/x509up_u<uid> exists");
    const empty = writeCredentialFile(dir, "blah", "");
    process.env.X509_USER_PROXY = empty;
    let error: IgwnAuthError | undefined;
    try {
      findX509Credentials({ onError: "ignore" });
    } catch (err) {
      error = err as IgwnAuthError;
    }
    expect(error).toBeInstanceOf(IgwnAuthError);
    expect(error?.code).toBe(ErrorCode.NO_CREDENTIAL);
    const [cert, key] = globusCertificatePaths();
    expect(error?.message).toBe(
      "could not find an RFC-3820 compliant X.509 credential, please generate one and try again; " +
        `looked at: ${empty}, ${defaultX509ProxyPath()}, ${cert} + ${key}`,
    );
    expect((error?.cause as IgwnAuthError | undefined)?.message).toMatch(/is empty/);
    expect(await flushWarnings()).toEqual([]);
  });

  test("with nothing set at all, still lists the default paths", (ctx) => {
    if (existsSync(defaultX509ProxyPath())) ctx.skip("a real /tmp/x509up_u<uid> exists");
    expect(() => findX509Credentials()).toThrow(
      /^could not find an RFC-3820 compliant X\.509 credential/,
    );
  });

  test.each([
    ["ignore", 0],
    ["warn", 1],
  ] as const)(
    "with onError %s, an invalid candidate is skipped (%i warnings)",
    async (onError, count) => {
      const empty = writeCredentialFile(dir, "blah", "");
      process.env.X509_USER_CERT = empty;
      process.env.X509_USER_KEY = empty;
      const proxy = writeCredentialFile(dir, "x509.pem", issueUserCertificate().certPem);
      process.env.X509_USER_PROXY = proxy;
      expect(findX509Credentials({ onError })).toBe(proxy);
      const found = await flushWarnings();
      expect(found).toHaveLength(count);
      if (count) expect(found[0]?.message).toMatch(/^Failed to validate/);
    },
  );

  test("with onError raise, the first invalid candidate throws", () => {
    const empty = writeCredentialFile(dir, "blah", "");
    process.env.X509_USER_CERT = empty;
    process.env.X509_USER_KEY = empty;
    process.env.X509_USER_PROXY = writeCredentialFile(
      dir,
      "x509.pem",
      issueUserCertificate().certPem,
    );
    expect(() => findX509Credentials({ onError: "raise" })).toThrow(
      expect.objectContaining({
        name: "IgwnAuthError",
        code: ErrorCode.INVALID_CERTIFICATE,
        message: expect.stringMatching(/^Failed to validate/),
      }),
    );
  });

  test("refuses an unknown onError", () => {
    expect(() => findX509Credentials({ onError: "explode" as "raise" })).toThrow(TypeError);
  });

  test("treats an empty variable as not set", () => {
    process.env.X509_USER_PROXY = "";
    const proxy = validProxyFile();
    process.env.X509_USER_CERT = proxy;
    process.env.X509_USER_KEY = proxy;
    expect(findX509Credentials()).toEqual([proxy, proxy]);
  });
});

describe("a credential another user could have put there", () => {
  const NOBODY = 65534;
  const owned = (path: string) =>
    `X.509 certificate file ${path} is owned by uid ${NOBODY}, not the current user (uid 0), ` +
    `and ${dirname(path)} is a folder every user can write to: another user may have put it ` +
    "there, so it is not used";

  test("passes over /tmp/x509up_u<uid> owned by another user, saying why", (ctx) => {
    if (!isRoot) ctx.skip("giving a file to another user needs root");
    const user = issueUserCertificate();
    withDefaultProxy(ctx, proxyFileText(issueProxyCertificate(user), user), (path) => {
      chownSync(path, NOBODY, NOBODY);
      const pair = writeGlobus();
      expect(findX509Credentials({ onError: "ignore" })).toEqual(pair);
      const report = explainX509Discovery({ usable: true })[2];
      expect(report).toMatchObject({ source: "/tmp/x509up_u<uid>", accepted: false });
      expect(report?.reason).toBe(owned(path));
      expect(report?.error?.code).toBe(ErrorCode.INSECURE_PERMISSIONS);
    });
  });

  test("passes over /tmp/x509up_u<uid> that group or others may write to", (ctx) => {
    const user = issueUserCertificate();
    withDefaultProxy(ctx, proxyFileText(issueProxyCertificate(user), user), (path) => {
      chmodSync(path, 0o622);
      expect(explainX509Discovery()[2]?.reason).toContain(
        `${path} has mode 622: group or others may write to it`,
      );
      chmodSync(path, 0o600);
      expect(findX509Credentials({ onError: "raise" })).toBe(path);
    });
  });

  test("judges the proxy a symbolic link at /tmp/x509up_u<uid> leads to", (ctx) => {
    if (!isRoot) ctx.skip("giving a file to another user needs root");
    const path = defaultX509ProxyPath();
    if (existsSync(path)) ctx.skip(`${path} already exists`);
    const theirs = validProxyFile("theirs.pem");
    chownSync(theirs, NOBODY, NOBODY);
    try {
      symlinkSync(theirs, path);
      expect(explainX509Discovery()[2]?.reason).toMatch(
        new RegExp(`^X\\.509 certificate file ${path} is owned by uid ${NOBODY}, not`),
      );
      expect(() => findX509Credentials({ onError: "raise" })).toThrow(/is owned by uid 65534/);
    } finally {
      rmSync(path, { force: true });
    }
  });

  test("applies to a key, and to a folder every user can write to named by a variable", (ctx) => {
    if (!isRoot) ctx.skip("giving a file to another user needs root");
    const shared = join(dir, "shared");
    const [cert, key] = writeCertAndKey(shared, issueUserCertificate());
    chmodSync(shared, 0o1777);
    chownSync(key, NOBODY, NOBODY);
    process.env.X509_USER_CERT = cert;
    process.env.X509_USER_KEY = key;
    expect(() => findX509Credentials({ onError: "raise" })).toThrow(
      expect.objectContaining({
        code: ErrorCode.INSECURE_PERMISSIONS,
        message: expect.stringContaining(`X.509 private key file ${key} is owned by uid ${NOBODY}`),
      }),
    );
    chmodSync(shared, 0o700);
    expect(findX509Credentials({ onError: "raise" })).toEqual([cert, key]);
  });
});

describe("a pre-RFC 3820 proxy", () => {
  const LEGACY = /legacy proxy: make an RFC 3820 one/;

  function legacyProxyFile(commonName: "proxy" | "limited proxy", name = "legacy.pem"): string {
    const user = issueUserCertificate();
    const legacy = issueProxyCertificate(user, { withoutProxyCertInfo: true, commonName });
    return writeProxyFile(dir, legacy, [user], name);
  }

  test.for(["proxy", "limited proxy"] as const)(
    "is passed over (CN=%s) with that reason, and the next candidate is taken",
    async (commonName, ctx) => {
      if (existsSync(defaultX509ProxyPath())) ctx.skip("a real /tmp/x509up_u<uid> exists");
      const legacy = legacyProxyFile(commonName);
      process.env.X509_USER_PROXY = legacy;
      const pair = writeGlobus();
      expect(findX509Credentials()).toEqual(pair);
      const [warning] = await flushWarnings();
      expect(warning?.message).toMatch(
        new RegExp(
          `^Failed to validate '${legacy}' \\(from X509_USER_PROXY\\): .*${LEGACY.source}`,
        ),
      );
      const report = explainX509Discovery({ usable: true })[1];
      expect(report).toMatchObject({ source: "X509_USER_PROXY", checked: true, accepted: false });
      expect(report?.reason).toMatch(LEGACY);
      expect(report?.error?.code).toBe(ErrorCode.INVALID_CERTIFICATE);
    },
  );

  test("alone, is no credential: the error says why", () => {
    process.env.X509_USER_PROXY = legacyProxyFile("proxy");
    expect(() => findX509Credentials({ onError: "raise" })).toThrow(LEGACY);
    expect(() => findX509Credentials({ onError: "ignore" })).toThrow(
      expect.objectContaining({ code: ErrorCode.NO_CREDENTIAL, cause: expect.anything() }),
    );
  });

  test("is passed over however long it has left, before its lifetime is judged", () => {
    const user = issueUserCertificate();
    const expired = issueProxyCertificate(user, {
      withoutProxyCertInfo: true,
      commonName: "proxy",
      ...expiringIn(-60),
    });
    process.env.X509_USER_PROXY = writeProxyFile(dir, expired, [user]);
    expect(explainX509Discovery()[1]?.reason).toMatch(LEGACY);
  });

  test("is only a subject ending in CN=proxy under its issuer's own subject", () => {
    // A user whose own name is "proxy" is not a proxy.
    const user = issueUserCertificate({ commonName: "proxy" });
    process.env.X509_USER_CERT = writeCredentialFile(dir, "cert.pem", user.certPem);
    process.env.X509_USER_KEY = writeCredentialFile(dir, "key.pem", user.keyPem);
    expect(findX509Credentials({ onError: "raise" })).toEqual([
      process.env.X509_USER_CERT,
      process.env.X509_USER_KEY,
    ]);
  });

  describe("made by the real grid-proxy-init", () => {
    const tool = spawnSync("grid-proxy-init", ["-version"], { encoding: "utf8" });
    const installed = tool.error === undefined;

    function gridProxyInit(flag: string): string {
      const user = issueUserCertificate({ commonName: "Grid Proxy Init" });
      const [cert, key] = writeCertAndKey(join(dir, `user${flag}`), user);
      const out = join(dir, `x509up${flag}`);
      const result = spawnSync(
        "grid-proxy-init",
        [flag, "-q", "-cert", cert, "-key", key, "-out", out],
        { encoding: "utf8", input: "", timeout: 15_000 },
      );
      if (result.status !== 0) {
        throw new Error(`grid-proxy-init ${flag} failed: ${result.stderr}${result.stdout}`);
      }
      return out;
    }

    test.for([
      ["-old", /legacy proxy: make an RFC 3820 one \(grid-proxy-init without -old\)/],
      ["-draft", /GSI-3 draft proxy, not RFC 3820: make an RFC 3820 one/],
    ] as const)("%s: passed over with that reason", ([flag, why], ctx) => {
      if (!installed) ctx.skip("grid-proxy-init is not installed (globus-proxy-utils)");
      process.env.X509_USER_PROXY = gridProxyInit(flag);
      const report = explainX509Discovery({ usable: true })[1];
      expect(report).toMatchObject({ checked: true, accepted: false });
      expect(report?.reason).toMatch(why);
    });

    test("-rfc (its default): taken", (ctx) => {
      if (!installed) ctx.skip("grid-proxy-init is not installed (globus-proxy-utils)");
      const proxy = gridProxyInit("-rfc");
      process.env.X509_USER_PROXY = proxy;
      expect(findX509Credentials({ onError: "raise" })).toBe(proxy);
    });
  });
});

describe("explainX509Discovery", () => {
  test("reports every candidate in order, with why", (ctx) => {
    if (existsSync(defaultX509ProxyPath())) ctx.skip("a real /tmp/x509up_u<uid> exists");
    process.env.X509_USER_CERT = join(dir, "only-cert.pem");
    const user = issueUserCertificate();
    const proxy = writeProxyFile(dir, issueProxyCertificate(user), [user]);
    process.env.X509_USER_PROXY = proxy;
    const [cert, key] = writeGlobus(expiringIn(-5));
    const reports = explainX509Discovery();
    expect(reports.map((r) => [r.source, r.checked, r.accepted])).toEqual([
      ["X509_USER_CERT/X509_USER_KEY", false, false],
      ["X509_USER_PROXY", true, true],
      ["/tmp/x509up_u<uid>", false, false],
      ["~/.globus", true, false],
    ]);
    expect(reports[0]?.reason).toBe("X509_USER_CERT is set but X509_USER_KEY is not");
    expect(reports[1]?.certPath).toBe(proxy);
    expect(reports[1]?.credential?.isProxy).toBe(true);
    expect(reports[1]?.reason).toMatch(
      /^valid proxy certificate for \/DC=org.*CN=Albert Einstein albert.einstein@ligo.org, \d+ h( \d+ min)? left$/,
    );
    expect(reports[2]?.reason).toBe(`${defaultX509ProxyPath()} does not exist`);
    expect(reports[3]).toMatchObject({ certPath: cert, keyPath: key });
    expect(reports[3]?.reason).toMatch(/expired/);
    expect(reports[3]?.credential?.subject).toMatch(/Albert Einstein/);
  });

  test("emits no warnings", async () => {
    process.env.X509_USER_PROXY = join(dir, "missing");
    explainX509Discovery();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  });

  test("never shows key material", () => {
    const user = issueUserCertificate();
    process.env.X509_USER_PROXY = writeProxyFile(dir, issueProxyCertificate(user), [user]);
    const text = JSON.stringify(explainX509Discovery());
    expect(text).not.toContain("PRIVATE KEY");
  });
});

test("discovery looks in the isolated test HOME, never the real one", () => {
  expect(globusCertificatePaths()[0].startsWith(process.env.IGWN_TEST_ROOT ?? "-")).toBe(true);
});
