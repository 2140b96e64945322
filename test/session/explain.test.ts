// A 401 or 403 says why, on the request path itself: what the hop sent, what was passed over
// and why, what the server said, and the next step — in the error's message and in
// `err.auth`, JSON-safe. So does the IgwnAuthError of failIfNoauth and token: true.
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AuthExplanation, HTTPError, IgwnAuthError, Session } from "../../src/index.js";
import { restoreEnv, setEnv, tempDir, writeFile } from "../helpers/env.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";
import { startIssuer, type TestIssuer } from "../helpers/issuer.js";
import {
  expiringIn,
  issueProxyCertificate,
  issueUserCertificate,
  testUserCa,
  writeProxyFile,
} from "../helpers/x509-pki.js";

let issuer: TestIssuer;
let server: TestServer;
let dir: string;
beforeAll(async () => {
  issuer = await startIssuer();
  server = await startServer({ requestCert: true, clientCa: [testUserCa().certPem] });
  dir = tempDir("explain-");
});
afterAll(async () => {
  await Promise.all([issuer.close(), server.close()]);
});
afterEach(() => {
  restoreEnv();
  server.requests.length = 0;
});

const now = () => Math.floor(Date.now() / 1000);
const verification = () => ({ tokenVerification: { ca: issuer.ca, cacheDir: false as const } });

/** The server answers `status` with `WWW-Authenticate: challenge`. */
function refuse(status: 401 | 403, challenge?: string): void {
  server.handle((_req, res) => {
    res.writeHead(status, challenge ? { "www-authenticate": challenge } : {}).end("no");
  });
}

async function failure(promise: Promise<unknown>): Promise<Error & { auth?: AuthExplanation }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { auth?: AuthExplanation };
  }
  throw new Error("the request succeeded");
}

function tokenFile(name: string, token: string): string {
  return writeFile(join(dir, name), `${token}\n`);
}

describe("a 401 or 403", () => {
  it("401 with WWW-Authenticate, an expired token passed over: says so and says renew it", async () => {
    const expired = await issuer.mint({ exp: now() - 300, aud: "ANY" });
    const path = tokenFile("expired", expired);
    setEnv({ BEARER_TOKEN_FILE: path });
    refuse(401, 'Bearer realm="frames", error="invalid_token", error_description="no token"');
    const session = new Session({
      cert: false,
      retry: { limit: 0 },
      ...trustTestCa(),
      ...verification(),
    });
    const err = await failure(session.get(`${server.origin}/frames/H1.gwf`));
    expect(err).toBeInstanceOf(HTTPError);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    const auth = err.auth as AuthExplanation;
    expect(auth).toMatchObject({
      url: `${server.origin}/frames/H1.gwf`,
      status: 401,
      sent: [],
      passedOver: [
        {
          kind: "bearer",
          source: `$BEARER_TOKEN_FILE (${path})`,
          reason: expect.stringMatching(/^claim 'exp': the token expired 5 min( \d s)? ago$/),
        },
      ],
      server: {
        scheme: "Bearer",
        realm: "frames",
        error: "invalid_token",
        errorDescription: "no token",
      },
    });
    expect(auth.nextSteps[0]).toMatch(
      /^the server refused the token \(no token\): get a new one with htgettoken/,
    );
    expect(auth.nextSteps).toContain("renew your token: htgettoken -a vault.ligo.org -i igwn");
    expect(auth.nextSteps.at(-1)).toBe(
      `run \`igwn-auth diagnose ${server.origin}/frames/H1.gwf\` to see every credential looked at`,
    );
    expect(err.message.split("\n")).toEqual([
      expect.stringMatching(/^Request failed with status code 401 \(Unauthorized\): GET /),
      "  sent: nothing",
      `  passed over: $BEARER_TOKEN_FILE (${path}): ${auth.passedOver[0]?.reason}`,
      '  server: Bearer realm="frames", error="invalid_token", error_description="no token"',
      ...auth.nextSteps.map((step) => `  next: ${step}`),
    ]);
    expect(err.stack).toContain("  sent: nothing");
    expect(JSON.parse(JSON.stringify(auth))).toEqual(auth);
  });

  it("403 insufficient_scope after sending a valid token: what was sent, and the scope asked for", async () => {
    const token = await issuer.mint({ aud: "ANY", scope: "read:/frames/O3", sub: "albert" });
    const path = tokenFile("o3", token);
    setEnv({ BEARER_TOKEN_FILE: path });
    refuse(403, 'Bearer error="insufficient_scope", scope="read:/frames/O4"');
    const session = new Session({
      cert: false,
      retry: { limit: 0 },
      ...trustTestCa(),
      ...verification(),
    });
    const err = await failure(session.get(`${server.origin}/frames/O4/x.gwf`));
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
    const auth = err.auth as AuthExplanation;
    expect(auth.sent).toEqual([
      {
        kind: "bearer",
        source: `$BEARER_TOKEN_FILE (${path})`,
        sub: "albert",
        aud: ["ANY"],
        scope: "read:/frames/O3",
        issuer: issuer.url,
        timeLeft: expect.any(Number),
      },
    ]);
    expect(auth.server).toMatchObject({ error: "insufficient_scope", scope: "read:/frames/O4" });
    expect(auth.nextSteps[0]).toBe(
      'get a token whose scope grants "read:/frames/O4": htgettoken -a vault.ligo.org -i igwn --scopes "read:/frames/O4"',
    );
    expect(err.message).toMatch(
      /\n {2}sent: bearer token from \$BEARER_TOKEN_FILE \(.*\) \(sub albert; aud ANY; scope read:\/frames\/O3; \d+ min( \d+ s)? left\)\n/,
    );
    expect(err.message).not.toContain(token.split(".")[2]);
  });

  it("a token that does not verify: passed over with why", async () => {
    const token = await issuer.mint({ aud: "ANY" });
    const forged = `${token.slice(0, token.lastIndexOf(".") + 1)}${"A".repeat(86)}`;
    setEnv({ SCITOKEN: forged });
    refuse(401);
    const session = new Session({
      cert: false,
      retry: { limit: 0 },
      ...trustTestCa(),
      ...verification(),
    });
    const auth = (await failure(session.get(`${server.origin}/x`))).auth as AuthExplanation;
    expect(auth.sent).toEqual([]);
    expect(auth.passedOver).toEqual([
      {
        kind: "bearer",
        source: "$SCITOKEN",
        reason: expect.stringMatching(/signature .* does not verify/),
      },
    ]);
    expect(auth.nextSteps[0]).toBe(
      "get a token that fits this request: htgettoken -a vault.ligo.org -i igwn",
    );
  });

  it("a netrc file others can read: passed over, and chmod 600", async () => {
    const netrc = writeFile(
      join(dir, "netrc"),
      "machine 127.0.0.1 login alice password pw-netrc\n",
    );
    chmodSync(netrc, 0o644);
    setEnv({ NETRC: netrc });
    refuse(401, 'Basic realm="private"');
    const session = new Session({
      token: false,
      cert: false,
      retry: { limit: 0 },
      ...trustTestCa(),
    });
    const auth = (await failure(session.get(`${server.origin}/private`))).auth as AuthExplanation;
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(auth.passedOver).toEqual([
      {
        kind: "basic",
        source: `netrc (${netrc})`,
        reason: expect.stringContaining("too permissive"),
      },
    ]);
    expect(auth.server).toMatchObject({ scheme: "Basic", realm: "private" });
    expect(auth.nextSteps[0]).toBe(`chmod 600 ${netrc}`);
  });

  it("netrc basic auth that was sent, by user and file (never the password)", async () => {
    const netrc = writeFile(
      join(dir, "netrc-ok"),
      "machine 127.0.0.1 login alice password pw-secret-1\n",
    );
    setEnv({ NETRC: netrc });
    refuse(403);
    const session = new Session({
      token: false,
      cert: false,
      retry: { limit: 0 },
      ...trustTestCa(),
    });
    const err = await failure(session.get(`${server.origin}/private`));
    expect(err.auth?.sent).toEqual([
      { kind: "basic", source: `netrc (${netrc})`, username: "alice" },
    ]);
    expect(err.message).toContain(`sent: basic auth for alice from netrc (${netrc})`);
    expect(err.message).not.toContain("pw-secret-1");
  });

  it("an expired proxy passed over; a proxy presented is described by its subject", async () => {
    const user = issueUserCertificate({ commonName: "Marie Curie" });
    const old = writeProxyFile(tempDir("old-"), issueProxyCertificate(user, expiringIn(-60)), [
      user,
    ]);
    setEnv({ X509_USER_PROXY: old });
    refuse(403);
    const session = new Session({ token: false, retry: { limit: 0 }, ...trustTestCa() });
    const auth = (await failure(session.get(`${server.origin}/x`))).auth as AuthExplanation;
    expect(server.requests[0]?.clientChain).toEqual([]);
    expect(auth.passedOver).toEqual([
      {
        kind: "x509",
        source: `X509_USER_PROXY (${old})`,
        reason: expect.stringMatching(/has less than 10 min left: it expired at .* ago/),
      },
    ]);
    expect(auth.nextSteps[0]).toBe("renew your X.509 proxy (e.g. grid-proxy-init), or use a token");

    const fresh = writeProxyFile(tempDir("new-"), issueProxyCertificate(user), [user]);
    const presented = (
      await failure(
        new Session({ token: false, cert: fresh, retry: { limit: 0 }, ...trustTestCa() }).get(
          `${server.origin}/x`,
        ),
      )
    ).auth as AuthExplanation;
    expect(server.requests.at(-1)?.clientChain[0]).toContain("Marie Curie");
    expect(presented.sent).toEqual([
      {
        kind: "x509",
        source: fresh,
        subject: expect.stringContaining("CN=Marie Curie"),
        proxy: true,
        timeLeft: expect.any(Number),
      },
    ]);
    expect(presented.nextSteps[0]).toMatch(/^the server did not let .*CN=Marie Curie.* in/);
  });

  it("a strategy's own header is named, never its value", async () => {
    refuse(401);
    const session = new Session({
      cert: false,
      retry: { limit: 0 },
      ...trustTestCa(),
      auth: {
        name: "api-key",
        authorize: (r) => {
          r.headers["x-api-key"] = "key-secret-1";
        },
      },
    });
    const err = await failure(session.get(`${server.origin}/x`));
    expect(err.auth?.sent).toEqual([{ kind: "header", source: "api-key", name: "x-api-key" }]);
    expect(JSON.stringify(err.auth)).not.toContain("key-secret-1");
  });

  it("says nothing on other failures", async () => {
    server.handle((_req, res) => res.writeHead(404).end());
    const err = await failure(
      new Session({ token: false, cert: false, retry: { limit: 0 }, ...trustTestCa() }).get(
        `${server.origin}/x`,
      ),
    );
    expect(err.auth).toBeUndefined();
    expect(err.message.split("\n")).toHaveLength(1);
  });
});

describe("failIfNoauth and token: true", () => {
  it("the IgwnAuthError of failIfNoauth lists what was passed over", async () => {
    const expired = await issuer.mint({ exp: now() - 60, aud: "ANY" });
    setEnv({ BEARER_TOKEN: expired });
    const session = new Session({
      cert: false,
      failIfNoauth: true,
      url: server.origin,
      ...trustTestCa(),
      ...verification(),
    });
    const err = await failure(session.get(`${server.origin}/x`));
    expect(err).toBeInstanceOf(IgwnAuthError);
    expect(server.requests).toHaveLength(0);
    expect(err.auth).toMatchObject({
      sent: [],
      passedOver: [
        {
          kind: "bearer",
          source: "$BEARER_TOKEN",
          reason: expect.stringMatching(/^claim 'exp': the token expired 1 min( \d s)? ago$/),
        },
      ],
    });
    expect(err.auth?.status).toBeUndefined();
    expect(err.message).toMatch(
      /^no valid authorisation credentials found for .*\n {2}sent: nothing\n/,
    );
    expect(err.message).toContain("next: renew your token: htgettoken");
  });

  it("the IgwnAuthError of token: true too", async () => {
    setEnv({ BEARER_TOKEN: undefined, BEARER_TOKEN_FILE: undefined });
    const session = new Session({ cert: false, token: true, ...trustTestCa(), ...verification() });
    const err = await failure(session.get(`${server.origin}/x`));
    expect(err).toBeInstanceOf(IgwnAuthError);
    expect(err.auth?.passedOver).toEqual([]);
    expect(err.auth?.nextSteps[0]).toBe("get a token: htgettoken -a vault.ligo.org -i igwn");
  });
});

describe("the debug log", () => {
  const DIST = join(import.meta.dirname, "../../dist/index.js");
  const script = `
    import { Session } from ${JSON.stringify(DIST)};
    await new Session({ cert: false, retry: { limit: 0 }, https: { certificateAuthority: process.env.CA } })
      .get(process.argv[1]).catch(() => {});
  `;
  async function debugLines(env: NodeJS.ProcessEnv): Promise<string> {
    const { IGWN_TEST_ROOT: _root, ...rest } = process.env;
    const { runNode } = await import("../../src/testing/child-process.js");
    const result = await runNode(["--input-type=module", "-e", script, `${server.origin}/x`], {
      env: {
        ...rest,
        NODE_DEBUG: "igwn-auth",
        CA: trustTestCa().https.certificateAuthority,
        ...env,
      },
    });
    return result.stderr;
  }

  it("tells 'no candidate' from 'found and rejected: why'", async () => {
    refuse(401);
    const none = await debugLines({ BEARER_TOKEN_FILE: join(dir, "absent") });
    expect(none).toMatch(/scitoken: no token for https:\/\/127\.0\.0\.1:\d+: no candidate/);
    const expired = await issuer.mint({ exp: now() - 120, aud: "ANY" });
    const path = tokenFile("debug-expired", expired);
    const issuerCa = writeFile(join(dir, "issuer-ca.pem"), issuer.ca);
    const found = await debugLines({ BEARER_TOKEN_FILE: path, NODE_EXTRA_CA_CERTS: issuerCa });
    expect(found).toMatch(
      new RegExp(
        `scitoken: found and rejected \\$BEARER_TOKEN_FILE \\(${path}\\): claim 'exp': the token expired 2 min`,
      ),
    );
    expect(found).toMatch(
      /scitoken: no valid token for https:\/\/127\.0\.0\.1:\d+: found and rejected/,
    );
    expect(found).not.toContain(expired.split(".")[2]);
  });
});
