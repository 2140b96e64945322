// A real token issuer on loopback: OIDC / OAuth metadata, a JWKS with an RSA and an EC key,
// tokens minted with jose, and switches to make it rotate keys, fail or go slow.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import { tokenClaims } from "./claims.js";
import { startServer, type TestServer } from "./https-server.js";
import { testPki } from "./pki.js";

export type IssuerAlg = "RS256" | "ES256";

/**
 * How the issuer answers: `up` normally; `down` drops every connection; `slow` answers after
 * {@link SLOW_MS}; `500` fails every request; `badjson` answers invalid JSON; `nokid` serves a
 * JWKS whose keys carry no `kid`.
 */
export type IssuerMode = "up" | "down" | "slow" | "500" | "badjson" | "nokid";

/** How long a `slow` issuer takes to answer. */
export const SLOW_MS = 3000;

export interface IssuerKey {
  readonly alg: IssuerAlg;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface StartIssuerOptions {
  algs?: IssuerAlg[];
  protocol?: "https" | "http";
  /** Path of the issuer under the server origin, e.g. "/igwn" (default: none). */
  path?: string;
  /** Which metadata document(s) the issuer publishes (default: openid-configuration only). */
  metadata?: "openid-configuration" | "oauth-authorization-server" | "both";
  /** Override the `jwks_uri` it advertises. */
  jwksUri?: string;
  /** `Cache-Control` header sent with the JWKS. */
  cacheControl?: string;
}

export interface MintOptions {
  alg?: IssuerAlg;
  /** `kid` header; `null` leaves it out; default the current key's kid for `alg`. */
  kid?: string | null;
  /** Seconds from now until `exp` (negative: already expired). Default 3600. */
  expiresIn?: number;
  /** Sign with this key instead of the issuer's own (to forge a bad signature). */
  signWith?: CryptoKey;
  /** Extra protected-header parameters. */
  header?: Record<string, unknown>;
}

export interface TestIssuer {
  /** The issuer (`iss`), e.g. `https://127.0.0.1:40123`. */
  readonly url: string;
  /** The PEM of the CA that signed the issuer's TLS certificate. */
  readonly ca: string;
  readonly server: TestServer;
  readonly jwksPath: string;
  /** The current keys by algorithm. */
  key(alg?: IssuerAlg): IssuerKey;
  /** A signed token; claims default to a SciToken 2.0 (override, or set to `undefined` to drop). */
  mint(claims?: JWTPayload, options?: MintOptions): Promise<string>;
  /** Replace every key with a new one (new kids); the old ones are no longer published. */
  rotate(): Promise<void>;
  setMode(mode: IssuerMode): void;
  /** Requests received per URL path, e.g. `hits("/jwks")`. */
  hits(path: string): number;
  /** Requests for any metadata document. */
  metadataHits(): number;
  /** Forget the requests received so far (the counters start again from zero). */
  resetHits(): void;
  close(): Promise<void>;
}

async function makeKey(alg: IssuerAlg): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${randomBytes(4).toString("hex")}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

/**
 * Start a token issuer on a random loopback port.
 *
 * @example
 * ```ts
 * const issuer = await startIssuer();
 * const token = await deserializeToken(await issuer.mint(), { ca: issuer.ca });
 * await issuer.close();
 * ```
 */
export async function startIssuer(options: StartIssuerOptions = {}): Promise<TestIssuer> {
  const algs = options.algs ?? ["RS256", "ES256"];
  let keys = await Promise.all(algs.map(makeKey));
  let mode: IssuerMode = "up";
  const timers = new Set<NodeJS.Timeout>();
  const server = await startServer({ protocol: options.protocol ?? "https" });
  const path = options.path ?? "";
  const url = `${server.origin}${path}`;
  const jwksPath = `${path}/jwks`;
  const metadata = options.metadata ?? "openid-configuration";
  const documents = new Set(
    metadata === "both" ? ["openid-configuration", "oauth-authorization-server"] : [metadata],
  );

  const send = (res: ServerResponse, status: number, body: string, headers = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body);
  };

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const requestPath = new URL(req.url ?? "/", "http://x").pathname;
    if (mode === "down") {
      req.socket.destroy();
      return;
    }
    if (mode === "500") return send(res, 500, '{"error":"internal"}');
    if (mode === "badjson") return send(res, 200, "{not json");
    const wellKnown = `${path}/.well-known/`;
    if (requestPath.startsWith(wellKnown) && documents.has(requestPath.slice(wellKnown.length))) {
      return send(
        res,
        200,
        JSON.stringify({ issuer: url, jwks_uri: options.jwksUri ?? `${server.origin}${jwksPath}` }),
      );
    }
    if (requestPath === jwksPath) {
      const published = keys.map((k) => {
        if (mode !== "nokid") return k.publicJwk;
        const { kid: _kid, ...rest } = k.publicJwk;
        return rest;
      });
      const headers = options.cacheControl ? { "cache-control": options.cacheControl } : {};
      return send(res, 200, JSON.stringify({ keys: published }), headers);
    }
    return send(res, 404, '{"error":"not found"}');
  };

  server.handle((req, res) => {
    if (mode !== "slow") return answer(req, res);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) answer(req, res);
        resolve();
      }, SLOW_MS);
      timers.add(timer);
    });
  });

  const key = (alg: IssuerAlg = algs[0] ?? "RS256"): IssuerKey => {
    const found = keys.find((k) => k.alg === alg);
    if (!found) throw new Error(`this test issuer has no ${alg} key`);
    return found;
  };

  return {
    url,
    ca: testPki().ca.certPem,
    server,
    jwksPath,
    key,
    async mint(claims = {}, mintOptions = {}) {
      const signer = key(mintOptions.alg);
      const payload = tokenClaims(url, claims, mintOptions.expiresIn) as JWTPayload;
      const kid = mintOptions.kid === undefined ? signer.kid : mintOptions.kid;
      return new SignJWT(payload)
        .setProtectedHeader({
          alg: signer.alg,
          typ: "JWT",
          ...(kid === null ? {} : { kid }),
          ...mintOptions.header,
        })
        .sign(mintOptions.signWith ?? signer.privateKey);
    },
    async rotate() {
      keys = await Promise.all(algs.map(makeKey));
    },
    setMode(next) {
      mode = next;
    },
    hits(requestPath) {
      return server.requests.filter((r) => new URL(r.url, "http://x").pathname === requestPath)
        .length;
    },
    metadataHits() {
      return server.requests.filter((r) => r.url.includes("/.well-known/")).length;
    },
    resetHits() {
      server.requests.splice(0);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await server.close();
    },
  };
}
