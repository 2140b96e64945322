// Faults, seen from a Session: an issuer that is down, slow, failing, answering junk or a
// key set without the kid; a resource server that resets connections or never answers.
// Each must end, within the timeout, in a clear error or the documented fallback: discovery
// moves on (no token sent), `token: true` fails with an IgwnAuthError saying why, and a key
// cached earlier (memory or disk) keeps verifying tokens while the issuer is away.
// (test/scitokens/keys.test.ts covers deserializeToken alone; this goes through requests.)
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, IgwnAuthError, Session } from "../../src/index.js";
import {
  defaultKeyCacheDir,
  keyCacheFile,
  writeKeyCache,
} from "../../src/scitokens/keys/disk-cache.js";
import { clearKeyCache } from "../../src/scitokens/keys/memory-cache.js";
import { restoreEnv, setEnv, tempDir, writeFile } from "../helpers/env.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";
import { type IssuerMode, startIssuer, type TestIssuer } from "../helpers/issuer.js";
import { timed } from "./fixtures/hostile.js";
import { LeakWatch, rejectionOf } from "./fixtures/leaks.js";

const TIMEOUT = 300;
const leaks = new LeakWatch();
let issuer: TestIssuer;
let server: TestServer;
let cacheDir: string;

beforeAll(async () => {
  issuer = await startIssuer();
  server = await startServer();
  leaks.watchWarnings();
});
afterAll(async () => {
  leaks.stop();
  await Promise.all([issuer.close(), server.close()]);
  expect(leaks.recorded).toBeGreaterThan(0);
  expect(leaks.leaks()).toEqual([]);
});
afterEach(() => {
  restoreEnv();
  issuer.setMode("up");
  issuer.resetHits();
  clearKeyCache();
  server.requests.length = 0;
  server.handle((_req, res) => res.end("ok"));
});

/** A token from the issuer in $BEARER_TOKEN_FILE, and a fresh key cache folder. */
async function discoverable(options: Parameters<TestIssuer["mint"]>[1] = {}): Promise<string> {
  const token = await issuer.mint({}, options);
  leaks.secret(token);
  cacheDir = tempDir("keys-");
  setEnv({ BEARER_TOKEN_FILE: writeFile(join(tempDir(), "bt"), `${token}\n`) });
  return token;
}

function session(options: ConstructorParameters<typeof Session>[0] = {}): Session {
  return new Session({
    cert: false,
    tokenVerification: { ca: issuer.ca, timeout: TIMEOUT, cacheDir },
    ...trustTestCa(),
    ...options,
  });
}

const failing: Array<[IssuerMode, RegExp]> = [
  ["down", /connection was closed by the server/],
  ["slow", /timed out after 300 ms/],
  ["500", /answered HTTP 500/],
  ["badjson", /is not a JSON object/],
  ["nokid", /no signing key for kid/],
];

describe("an issuer that fails, before any key is cached", () => {
  it.each(failing)(
    "%s: the request goes ahead without a token, within the timeout",
    async (mode) => {
      await discoverable();
      issuer.setMode(mode);
      const { ms } = await timed(() => session().get(`${server.origin}/data`));
      expect(ms).toBeLessThan(TIMEOUT * 2 + 700);
      expect(server.requests[0]?.headers.authorization).toBeUndefined();
    },
  );

  it.each(failing)("%s: token: true fails with an IgwnAuthError saying why", async (mode, why) => {
    await discoverable();
    issuer.setMode(mode);
    const { value: err, ms } = await timed(() =>
      rejectionOf(session({ token: true }).get(`${server.origin}/data`)),
    );
    expect(ms).toBeLessThan(TIMEOUT * 2 + 700);
    expect(err).toBeInstanceOf(IgwnAuthError);
    expect((err as IgwnAuthError).code).toBe(ErrorCode.NO_CREDENTIAL);
    leaks.error(`issuer ${mode}, token: true`, err);
    // The session's message says what it wanted; findScitoken's says what each source gave.
    const { findScitoken } = await import("../../src/index.js");
    const detail = await rejectionOf(
      findScitoken(["ANY"], undefined, { ca: issuer.ca, timeout: TIMEOUT, cacheDir: false }),
    );
    clearKeyCache();
    expect(detail.message).toMatch(why);
    expect(detail.message).toContain(issuer.url);
    leaks.error(`issuer ${mode}, findScitoken`, detail);
    expect(server.requests).toHaveLength(0);
  });

  it("shares one slow fetch among 20 concurrent requests and does not retry it on each", async () => {
    await discoverable();
    issuer.setMode("slow");
    const s = session();
    const { ms } = await timed(() =>
      Promise.all(Array.from({ length: 20 }, (_, i) => s.get(`${server.origin}/c${i}`))),
    );
    expect(ms).toBeLessThan(TIMEOUT * 2 + 1000);
    expect(issuer.metadataHits()).toBe(1);
    // The failure is remembered for a while: the next requests do not wait on the issuer.
    const again = await timed(() => s.get(`${server.origin}/again`));
    expect(again.ms).toBeLessThan(TIMEOUT);
    expect(issuer.metadataHits()).toBe(1);
    expect(server.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it("verifies a token without a kid against a key set without kids (one key per alg)", async () => {
    const token = await discoverable({ kid: null });
    issuer.setMode("nokid");
    await session({ token: true }).get(`${server.origin}/data`);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
  });

  it("fails at once for an issuer whose port is closed", async () => {
    const closed = await startServer();
    const origin = closed.origin;
    await closed.close();
    const { privateKey } = issuer.key("ES256");
    const { SignJWT } = await import("jose");
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      iss: origin,
      aud: "ANY",
      ver: "scitoken:2.0",
      scope: "read:/",
      iat: now,
      nbf: now,
      exp: now + 600,
    })
      .setProtectedHeader({ alg: "ES256", kid: "k" })
      .sign(privateKey);
    leaks.secret(token);
    cacheDir = tempDir("keys-");
    setEnv({ BEARER_TOKEN: token });
    const { ms } = await timed(() => session().get(`${server.origin}/data`));
    expect(ms).toBeLessThan(1000);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });
});

describe("an issuer that accepts connections and never answers", () => {
  it("costs one timeout: requests for other audiences within 30 s go ahead at once", async () => {
    const sockets = new Set<Socket>();
    const dead = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
    });
    dead.listen(0, "127.0.0.1");
    await once(dead, "listening");
    const other = await startServer({ host: "localhost" });
    try {
      const { port } = dead.address() as AddressInfo;
      const { privateKey } = issuer.key("ES256");
      const { SignJWT } = await import("jose");
      const token = await new SignJWT({
        iss: `https://127.0.0.1:${port}`,
        aud: "ANY",
        scope: "read:/",
      })
        .setProtectedHeader({ alg: "ES256", kid: "k" })
        .setExpirationTime("1h")
        .sign(privateKey);
      leaks.secret(token);
      cacheDir = tempDir("keys-");
      setEnv({ BEARER_TOKEN: token });
      const s = session();
      const first = await timed(() => s.get(`${server.origin}/one`));
      expect(first.ms).toBeGreaterThanOrEqual(TIMEOUT - 50);
      // Another origin is another audience, discovered (and cached) on its own.
      const second = await timed(() => s.get(`${other.origin}/two`));
      expect(second.ms).toBeLessThan(TIMEOUT / 2);
      const third = await timed(() => session().get(`${other.origin}/three`));
      expect(third.ms).toBeLessThan(TIMEOUT / 2);
      expect(sockets.size).toBe(1);
      const sent = [...server.requests, ...other.requests].map((r) => r.headers.authorization);
      expect(sent).toEqual([undefined, undefined, undefined]);
    } finally {
      for (const socket of sockets) socket.destroy();
      dead.close();
      await other.close();
    }
  });
});

describe("an issuer that fails after its keys were cached", () => {
  it.each(failing)(
    "%s: a key cached in memory keeps the token flowing with no network",
    async (mode) => {
      const token = await discoverable();
      await session().get(`${server.origin}/warm`);
      issuer.setMode(mode);
      issuer.resetHits();
      await session().get(`${server.origin}/cold`);
      expect(server.requests.map((r) => r.headers.authorization)).toEqual([
        `Bearer ${token}`,
        `Bearer ${token}`,
      ]);
      expect(issuer.server.requests).toHaveLength(0);
    },
  );

  it.each(["down", "slow", "500", "badjson"] as const)(
    "%s: a stale key on disk from an earlier process is used (stale-if-error)",
    async (mode) => {
      const token = await discoverable();
      await session().get(`${server.origin}/warm`);
      // Age the disk copy past its freshness, then forget memory: a new process, hours later.
      const file = keyCacheFile(cacheDir, issuer.url);
      const { readFileSync } = await import("node:fs");
      const entry = JSON.parse(readFileSync(file, "utf8"));
      entry.fetchedAt -= 3 * 3600_000;
      expect(await writeKeyCache(cacheDir, entry)).toBe(true);
      clearKeyCache();
      issuer.setMode(mode);
      const { ms } = await timed(() => session().get(`${server.origin}/stale`));
      expect(ms).toBeLessThan(TIMEOUT * 2 + 700);
      expect(server.requests[1]?.headers.authorization).toBe(`Bearer ${token}`);
      expect(issuer.metadataHits()).toBeGreaterThan(0); // it did try the issuer first
    },
  );

  it("ignores a corrupt disk cache and fetches the keys again", async () => {
    const token = await discoverable();
    writeFileSync(keyCacheFile(cacheDir, issuer.url), "{not json", { mode: 0o600 });
    await session().get(`${server.origin}/data`);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(defaultKeyCacheDir()).toContain(process.env.XDG_CACHE_HOME);
  });
});

describe("a resource server that fails", () => {
  const TOKEN = "header.payload.resource-server-signature-secret";
  beforeAll(() => leaks.secret(TOKEN));
  const quickRetry = {
    limit: 2,
    calculateDelay: ({ computedValue }: { computedValue: number }) => (computedValue ? 10 : 0),
  };

  it("rejects a reset in the middle of a response with a redacted RequestError, after retries", async () => {
    server.handle((req, res) => {
      res.writeHead(200, { "content-length": "100000" });
      res.write("partial body");
      setTimeout(() => req.socket.destroy(), 10);
    });
    const s = new Session({ token: TOKEN, cert: false, retry: quickRetry, ...trustTestCa() });
    const { value: err, ms } = await timed(() => rejectionOf(s.get(`${server.origin}/reset`)));
    expect(ms).toBeLessThan(3000);
    expect(err.name).toBe("ReadError");
    expect((err as { code?: string }).code).toBe("ECONNRESET");
    // Retries stay on this origin, with the token (it belongs here).
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(
      Array(3).fill(`Bearer ${TOKEN}`),
    );
    leaks.error("reset mid-response", err);
  });

  it("rejects a reset before any response with a redacted RequestError", async () => {
    server.handle((req) => req.socket.destroy());
    const s = new Session({ token: TOKEN, cert: false, retry: { limit: 0 }, ...trustTestCa() });
    const err = await rejectionOf(s.post(`${server.origin}/reset`, { body: "x" }));
    expect(err.name).toBe("RequestError");
    expect(server.requests).toHaveLength(1);
    leaks.error("reset before response", err);
  });

  it("gives up on a server that never answers within the timeout, redacted", async () => {
    server.handle(() => undefined);
    const s = new Session({
      token: TOKEN,
      cert: false,
      retry: { limit: 0 },
      timeout: { request: TIMEOUT },
      ...trustTestCa(),
    });
    const { value: err, ms } = await timed(() => rejectionOf(s.get(`${server.origin}/hang`)));
    expect(err.name).toBe("TimeoutError");
    expect(ms).toBeLessThan(TIMEOUT + 700);
    leaks.error("timeout", err);
  });

  it("rejects a 500 with a redacted HTTPError, and resolves it with raiseForStatus: false", async () => {
    server.handle((_req, res) => res.writeHead(500).end("boom"));
    const s = new Session({ token: TOKEN, cert: false, retry: { limit: 0 }, ...trustTestCa() });
    const err = await rejectionOf(s.get(`${server.origin}/500`));
    expect(err.name).toBe("HTTPError");
    leaks.error("HTTP 500", err);
    const lenient = new Session({
      token: TOKEN,
      cert: false,
      raiseForStatus: false,
      retry: { limit: 0 },
      ...trustTestCa(),
    });
    expect((await lenient.get(`${server.origin}/500`)).statusCode).toBe(500);
  });

  it("rejects a response that is not HTTP with a redacted error", async () => {
    const { createServer } = await import("node:net");
    const junk = createServer((socket) => socket.end("SSH-2.0-OpenSSH_9.6\r\n\r\n"));
    await new Promise<void>((resolve) => junk.listen(0, "127.0.0.1", resolve));
    const port = (junk.address() as { port: number }).port;
    try {
      const s = new Session({
        token: TOKEN,
        cert: false,
        retry: { limit: 0 },
        timeout: { request: 2000 },
      });
      const err = await rejectionOf(s.get(`http://127.0.0.1:${port}/`));
      expect(["RequestError", "ParseError", "ReadError"]).toContain(err.name);
      leaks.error("not HTTP", err);
    } finally {
      junk.close();
    }
  });
});
