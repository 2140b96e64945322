// The issuer key store: freshness, cooldown, rotation, single flight and failures, against a
// real issuer on loopback. Date is faked where time must pass; timers and sockets stay real.
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../src/lib/errors.js";
import { deserializeToken } from "../../src/scitokens/deserialize.js";
import {
  type CachedKeySet,
  COOLDOWN_MS,
  DEFAULT_MAX_AGE_MS,
} from "../../src/scitokens/keys/key-set.js";
import {
  applyKeySet,
  clearKeyCache,
  issuerKeyState,
} from "../../src/scitokens/keys/memory-cache.js";
import { SciToken } from "../../src/scitokens/token.js";
import { isValidToken } from "../../src/scitokens/validate.js";
import { rejection } from "../helpers/errors.js";
import { startIssuer, type TestIssuer } from "../helpers/issuer.js";

let issuer: TestIssuer;
// Memory only here: the disk cache has its own file, and must not hide network behaviour.
const opts = () => ({ ca: issuer.ca, cacheDir: false as const });
const jwksHits = () => issuer.hits(issuer.jwksPath);

function advance(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

beforeAll(async () => {
  issuer = await startIssuer();
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  issuer.setMode("up");
  issuer.resetHits();
});
afterEach(() => {
  vi.useRealTimers();
  clearKeyCache();
});

describe("a cached issuer", () => {
  it("needs no network for further tokens while its keys are fresh", async () => {
    await deserializeToken(await issuer.mint({}, { alg: "RS256" }), opts());
    const requests = issuer.server.requests.length;
    for (const alg of ["RS256", "ES256", "RS256"] as const) {
      await deserializeToken(await issuer.mint({ sub: alg }, { alg }), opts());
    }
    advance(DEFAULT_MAX_AGE_MS - 60_000);
    await deserializeToken(await issuer.mint(), opts());
    expect(issuer.server.requests.length).toBe(requests);
  });

  it("refetches once its keys are older than the default freshness of one hour", async () => {
    await deserializeToken(await issuer.mint(), opts());
    advance(DEFAULT_MAX_AGE_MS + 1000);
    await deserializeToken(await issuer.mint(), opts());
    expect(jwksHits()).toBeGreaterThanOrEqual(2);
    const after = jwksHits();
    await deserializeToken(await issuer.mint(), opts());
    expect(jwksHits()).toBe(after);
  });

  it("honours the issuer's Cache-Control max-age", async () => {
    const short = await startIssuer({ algs: ["ES256"], cacheControl: "public, max-age=120" });
    try {
      const o = { ca: short.ca, cacheDir: false as const };
      await deserializeToken(await short.mint(), o);
      advance(110_000);
      await deserializeToken(await short.mint(), o);
      expect(short.hits(short.jwksPath)).toBe(1);
      advance(20_000);
      await deserializeToken(await short.mint(), o);
      expect(short.hits(short.jwksPath)).toBe(2);
    } finally {
      await short.close();
    }
  });
});

describe("key rotation and unknown kids", () => {
  it("fetches a rotated key once, and does not refetch for another unknown kid within the cooldown", async () => {
    const oldToken = await issuer.mint({}, { alg: "ES256" });
    await deserializeToken(oldToken, opts());
    expect(jwksHits()).toBe(1);

    await issuer.rotate();
    advance(COOLDOWN_MS + 1000);
    const newToken = await issuer.mint({}, { alg: "ES256" });
    const token = await deserializeToken(newToken, opts());
    expect(token.header.kid).toBe(issuer.key("ES256").kid);
    expect(jwksHits()).toBe(2);

    // Within the cooldown: a kid nobody publishes, and the retired key, cost no request.
    const bogus = await issuer.mint({}, { alg: "ES256", kid: "no-such-kid" });
    const err = await rejection(
      () => deserializeToken(bogus, opts()),
      ErrorCode.KEY_RETRIEVAL,
      bogus,
    );
    expect(err.message).toContain('kid "no-such-kid"');
    expect(err.message).toContain(issuer.url);
    await rejection(() => deserializeToken(oldToken, opts()), ErrorCode.KEY_RETRIEVAL, oldToken);
    expect(jwksHits()).toBe(2);
    // And the new key still works from memory.
    await deserializeToken(newToken, opts());
    expect(jwksHits()).toBe(2);
  });

  it("refetches for an unknown kid only after the cooldown", async () => {
    await deserializeToken(await issuer.mint(), opts());
    const bogus = await issuer.mint({}, { kid: "unknown" });
    await rejection(() => deserializeToken(bogus, opts()), ErrorCode.KEY_RETRIEVAL, bogus);
    expect(jwksHits()).toBe(1);
    advance(COOLDOWN_MS + 1);
    await rejection(() => deserializeToken(bogus, opts()), ErrorCode.KEY_RETRIEVAL, bogus);
    expect(jwksHits()).toBe(2);
  });

  it("uses the only key that fits a token without a kid, as the SciTokens libraries do", async () => {
    const token = await deserializeToken(
      await issuer.mint({}, { alg: "ES256", kid: null }),
      opts(),
    );
    expect(token.header.kid).toBeUndefined();
  });

  it("refuses a token without a kid when several keys fit", async () => {
    const twoKeys = await startIssuer({ algs: ["ES256", "ES256"] });
    try {
      const serialized = await twoKeys.mint({}, { kid: null });
      const err = await rejection(
        () => deserializeToken(serialized, { ca: twoKeys.ca, cacheDir: false }),
        ErrorCode.KEY_RETRIEVAL,
        serialized,
      );
      expect(err.message).toContain("no kid");
    } finally {
      await twoKeys.close();
    }
  });
});

describe("an issuer that fails", () => {
  it.each([
    ["500", /HTTP 500/],
    ["badjson", /not a JSON object|did not answer JSON/],
    ["nokid", /no signing key for kid/],
  ] as const)("gives ERR_KEY_RETRIEVAL when it answers %s", async (mode, pattern) => {
    issuer.setMode(mode);
    const serialized = await issuer.mint();
    const err = await rejection(
      () => deserializeToken(serialized, opts()),
      ErrorCode.KEY_RETRIEVAL,
      serialized,
    );
    expect(err.message).toMatch(pattern);
    expect(err.message).toContain(issuer.url);
  });

  it("gives ERR_KEY_RETRIEVAL at once when it drops connections", async () => {
    issuer.setMode("down");
    const serialized = await issuer.mint();
    const err = await rejection(
      () => deserializeToken(serialized, opts()),
      ErrorCode.KEY_RETRIEVAL,
      serialized,
    );
    expect(err.message).toContain(issuer.url);
    // A network failure on the first document does not go on to try the second.
    expect(issuer.metadataHits()).toBe(1);
  });

  it("gives up on a slow issuer within the timeout", async () => {
    issuer.setMode("slow");
    const serialized = await issuer.mint();
    const started = performance.now();
    const err = await rejection(
      () => deserializeToken(serialized, { ...opts(), timeout: 300 }),
      ErrorCode.KEY_RETRIEVAL,
      serialized,
    );
    const elapsed = performance.now() - started;
    expect(err.message).toContain("timed out after 300 ms");
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
  });

  it("keeps using a cached key when the issuer is down after the keys went stale", async () => {
    const serialized = await issuer.mint();
    await deserializeToken(serialized, opts());
    issuer.setMode("down");
    advance(2 * DEFAULT_MAX_AGE_MS);
    const before = issuer.server.requests.length;
    await expect(deserializeToken(serialized, opts())).resolves.toBeInstanceOf(SciToken);
    expect(issuer.server.requests.length).toBe(before + 1);
    // Having just failed, the issuer is not asked again by every caller.
    await expect(deserializeToken(serialized, opts())).resolves.toBeInstanceOf(SciToken);
    expect(issuer.server.requests.length).toBe(before + 1);
    // Back up after the cooldown: refreshed.
    issuer.setMode("up");
    advance(COOLDOWN_MS + 1);
    await deserializeToken(serialized, opts());
    expect(issuer.server.requests.length).toBeGreaterThan(before + 1);
  });

  it("refuses a wrong signature even when the issuer is down and the key is cached", async () => {
    await deserializeToken(await issuer.mint(), opts());
    issuer.setMode("down");
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await issuer.mint({}, { signWith: privateKey });
    await rejection(() => deserializeToken(forged, opts()), ErrorCode.INVALID_TOKEN, forged);
  });
});

describe("an issuer that accepts connections and never answers", () => {
  let dead: { url: string; connections: () => number; close: () => Promise<void> };
  const TIMEOUT = 300;
  const deadOpts = () => ({ timeout: TIMEOUT, cacheDir: false as const });

  beforeEach(async () => {
    dead = await startDeadIssuer();
  });
  afterEach(async () => {
    await dead.close();
  });

  async function tokenOf(claims: Record<string, unknown>): Promise<string> {
    const { privateKey } = issuer.key("ES256");
    return new SignJWT({ iss: dead.url, scope: "read:/", ...claims })
      .setProtectedHeader({ alg: "ES256", kid: "dead-key" })
      .setExpirationTime("1h")
      .sign(privateKey);
  }

  async function timedRejection(serialized: string): Promise<{ message: string; ms: number }> {
    const started = performance.now();
    const err = await rejection(
      () => deserializeToken(serialized, deadOpts()),
      ErrorCode.KEY_RETRIEVAL,
      serialized,
    );
    return { message: err.message, ms: performance.now() - started };
  }

  it("costs one timeout, then fails at once for its other tokens and audiences for 30 s", async () => {
    const first = await timedRejection(await tokenOf({ aud: "https://one.example.org" }));
    expect(first.message).toContain(`timed out after ${TIMEOUT} ms`);
    expect(first.ms).toBeGreaterThanOrEqual(TIMEOUT - 50);
    // Another token of the same issuer, for another audience: no second wait.
    const second = await timedRejection(await tokenOf({ aud: "https://two.example.org" }));
    expect(second.ms).toBeLessThan(TIMEOUT / 2);
    expect(second.message).toContain(dead.url);
    expect(second.message).toContain(`timed out after ${TIMEOUT} ms`);
    expect(second.message).toMatch(/not asked again until 30 s after the failure/);
    const valid = await isValidToken(
      await tokenOf({ aud: "https://three.example.org" }),
      "https://three.example.org",
      undefined,
      deadOpts(),
    );
    expect(valid).toBe(false);
    expect(dead.connections()).toBe(1);
    // After the 30 s, it is asked again (and costs its timeout again).
    advance(COOLDOWN_MS + 1);
    const third = await timedRejection(await tokenOf({ aud: "https://one.example.org" }));
    expect(third.ms).toBeGreaterThanOrEqual(TIMEOUT - 50);
    expect(dead.connections()).toBe(2);
  });

  it("remembers the failure for these trust settings only", async () => {
    await timedRejection(await tokenOf({ aud: "https://one.example.org" }));
    // Another set of trusted CAs may well reach it: that caller is not refused unheard.
    const other = await tokenOf({ aud: "https://two.example.org" });
    const started = performance.now();
    await rejection(
      () => deserializeToken(other, { ...deadOpts(), ca: issuer.ca }),
      ErrorCode.KEY_RETRIEVAL,
      other,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT - 50);
    expect(dead.connections()).toBe(2);
  });
});

describe("single flight", () => {
  it("makes one metadata and one JWKS request for many concurrent tokens from a cold issuer", async () => {
    const tokens = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        issuer.mint({ sub: `user-${i}` }, { alg: i % 2 ? "ES256" : "RS256" }),
      ),
    );
    const results = await Promise.all(tokens.map((t) => deserializeToken(t, opts())));
    expect(results.map((r) => r.claims.sub)).toEqual(tokens.map((_, i) => `user-${i}`));
    expect(issuer.metadataHits()).toBe(1);
    expect(jwksHits()).toBe(1);
  });

  it("shares one failure among concurrent callers too", async () => {
    issuer.setMode("500");
    const tokens = await Promise.all([issuer.mint(), issuer.mint(), issuer.mint()]);
    const results = await Promise.allSettled(tokens.map((t) => deserializeToken(t, opts())));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    // Both well-known documents were tried once, not once per caller.
    expect(issuer.metadataHits()).toBe(2);
  });
});

describe("applyKeySet", () => {
  const entry = (fetchedAt: number, kid: string): CachedKeySet => ({
    version: 1,
    issuer: "https://ordering.example",
    jwksUri: "https://ordering.example/jwks",
    keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid }],
    fetchedAt,
    maxAge: 60_000,
  });

  it("never lets a slow older reload overwrite a newer one", () => {
    const state = issuerKeyState("https://ordering.example");
    applyKeySet(state, entry(2000, "new"), 2);
    applyKeySet(state, entry(3000, "old-but-late"), 1);
    expect(state.current?.keys[0]?.kid).toBe("new");
  });

  it("never lets an older disk entry replace what memory has", () => {
    const state = issuerKeyState("https://ordering.example");
    applyKeySet(state, entry(5000, "network"), 1);
    applyKeySet(state, entry(4000, "disk"));
    expect(state.current?.keys[0]?.kid).toBe("network");
    applyKeySet(state, entry(6000, "newer-disk"));
    expect(state.current?.keys[0]?.kid).toBe("newer-disk");
  });
});

/** A TCP server on loopback that accepts every connection and never sends a byte. */
async function startDeadIssuer(): Promise<{
  url: string;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    connections: () => count,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}
