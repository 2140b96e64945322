// How the key store talks to issuers: redirects, size limits, Cache-Control, and what it keeps
// of a JWKS — against real loopback servers with hand-written handlers.
import { inspect } from "node:util";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, IgwnAuthError } from "../../src/lib/errors.js";
import { deserializeToken } from "../../src/scitokens/deserialize.js";
import { parseMaxAge } from "../../src/scitokens/keys/http.js";
import { parseJwks, publicJwk } from "../../src/scitokens/keys/jwks.js";
import { freshnessMs, MAX_MAX_AGE_MS, MIN_MAX_AGE_MS } from "../../src/scitokens/keys/key-set.js";
import { clearKeyCache } from "../../src/scitokens/keys/memory-cache.js";
import { wellKnownUrls } from "../../src/scitokens/keys/metadata.js";
import { type Handler, startServer, type TestServer } from "../helpers/https-server.js";
import { testPki } from "../helpers/pki.js";

const servers: TestServer[] = [];
afterEach(async () => {
  clearKeyCache();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler, protocol: "https" | "http" = "https"): Promise<TestServer> {
  const server = await startServer({ handler, protocol });
  servers.push(server);
  return server;
}

function json(res: Parameters<Handler>[1], body: unknown, status = 200): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

async function signer() {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1" };
  const mint = (iss: string) =>
    new SignJWT({ iss, sub: "x" }).setProtectedHeader({ alg: "ES256", kid: "k1" }).sign(privateKey);
  return { jwk, mint, privateJwk: await exportJWK(privateKey) };
}

async function failure(serialized: string, opts: object): Promise<IgwnAuthError> {
  const err = await deserializeToken(serialized, {
    ca: testPki().ca.certPem,
    cacheDir: false,
    ...opts,
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(IgwnAuthError);
  expect((err as Error).message).not.toContain(serialized);
  expect(inspect(err, { depth: 10 })).not.toContain(serialized);
  return err as IgwnAuthError;
}

describe("redirects", () => {
  it("follows a redirect within the issuer's origin", async () => {
    const { jwk, mint } = await signer();
    const server = await serve((req, res) => {
      if (req.url === "/.well-known/openid-configuration") {
        res.writeHead(302, { location: "/moved/metadata" });
        return res.end();
      }
      if (req.url === "/moved/metadata") return json(res, { jwks_uri: `${server.origin}/jwks` });
      return json(res, { keys: [jwk] });
    });
    const token = await deserializeToken(await mint(server.origin), {
      ca: testPki().ca.certPem,
      cacheDir: false,
    });
    expect(token.claims.sub).toBe("x");
  });

  it("does not follow a redirect to another origin", async () => {
    const { jwk, mint } = await signer();
    const elsewhere = await serve((_req, res) => json(res, { jwks_uri: "unused", keys: [jwk] }));
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.origin}/.well-known/openid-configuration` });
      res.end();
    });
    const err = await failure(await mint(server.origin), {});
    expect(err.code).toBe(ErrorCode.KEY_RETRIEVAL);
    expect(err.message).toContain("HTTP 302");
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("does not follow a redirect from https to http, even with insecure", async () => {
    const { jwk, mint } = await signer();
    const plain = await serve((_req, res) => json(res, { keys: [jwk] }), "http");
    const server = await serve((req, res) => {
      if (req.url?.startsWith("/.well-known/"))
        return json(res, { jwks_uri: `${server.origin}/jwks` });
      res.writeHead(301, { location: `${plain.origin}/jwks` });
      res.end();
    });
    const err = await failure(await mint(server.origin), { insecure: true });
    expect(err.message).toContain("HTTP 301");
    expect(plain.requests).toHaveLength(0);
  });
});

describe("limits", () => {
  it("refuses a key set larger than the size cap", async () => {
    const { jwk, mint } = await signer();
    const padding = "x".repeat(400 * 1024);
    const server = await serve((req, res) => {
      if (req.url?.startsWith("/.well-known/"))
        return json(res, { jwks_uri: `${server.origin}/jwks` });
      return json(res, { keys: [jwk], padding });
    });
    const err = await failure(await mint(server.origin), {});
    expect(err.code).toBe(ErrorCode.KEY_RETRIEVAL);
    expect(err.message).toMatch(/exceeded \d+ bytes/);
  });

  it("refuses metadata whose jwks_uri is not a URL, naming both documents tried", async () => {
    const { mint } = await signer();
    const server = await serve((_req, res) => json(res, { jwks_uri: 42 }));
    const err = await failure(await mint(server.origin), {});
    expect(err.message).toContain("openid-configuration has no jwks_uri");
    expect(err.message).toContain("oauth-authorization-server has no jwks_uri");
  });

  it("refuses a key set that is not a key set", async () => {
    const { mint } = await signer();
    const server = await serve((req, res) => {
      if (req.url?.startsWith("/.well-known/"))
        return json(res, { jwks_uri: `${server.origin}/jwks` });
      return json(res, { keys: "none" });
    });
    const err = await failure(await mint(server.origin), {});
    expect(err.message).toContain('no "keys" list');
  });
});

describe("what is kept of a JWKS", () => {
  it("keeps only the public members of a key an issuer published by mistake with its private part", async () => {
    const { privateJwk } = await signer();
    const kept = publicJwk({ ...privateJwk, kid: "k1", use: "sig" });
    expect(kept).toEqual({
      kty: "EC",
      crv: "P-256",
      x: privateJwk.x,
      y: privateJwk.y,
      kid: "k1",
      use: "sig",
    });
    expect(kept).not.toHaveProperty("d");
  });

  it("drops symmetric keys and entries that are not keys", () => {
    const keys = parseJwks(
      {
        keys: [
          { kty: "oct", k: "c2VjcmV0" },
          null,
          "text",
          { kty: "RSA", n: "AQAB" },
          { kty: "RSA", n: "AQAB", e: "AQAB" },
        ],
      },
      "test",
    );
    expect(keys).toEqual([{ kty: "RSA", n: "AQAB", e: "AQAB" }]);
  });
});

describe("metadata locations and freshness", () => {
  it("appends the well-known documents to the issuer path", () => {
    expect(wellKnownUrls(new URL("https://cilogon.org/igwn")).map(String)).toEqual([
      "https://cilogon.org/igwn/.well-known/openid-configuration",
      "https://cilogon.org/igwn/.well-known/oauth-authorization-server",
    ]);
    expect(wellKnownUrls(new URL("https://issuer.example/")).map(String)[0]).toBe(
      "https://issuer.example/.well-known/openid-configuration",
    );
  });

  it("reads max-age from Cache-Control and bounds it", () => {
    expect(parseMaxAge("public, max-age=600")).toBe(600);
    expect(parseMaxAge('max-age="30", must-revalidate')).toBe(30);
    expect(parseMaxAge("no-store")).toBe(0);
    expect(parseMaxAge("s-maxage=5")).toBeUndefined();
    expect(parseMaxAge(undefined)).toBeUndefined();
    expect(freshnessMs(0)).toBe(MIN_MAX_AGE_MS);
    expect(freshnessMs(10 ** 9)).toBe(MAX_MAX_AGE_MS);
    expect(freshnessMs(600)).toBe(600_000);
  });
});
