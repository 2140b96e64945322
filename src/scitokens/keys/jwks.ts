// Fetching and sanitising an issuer's JSON Web Key Set.
import type { JWK } from "jose";
import { ErrorCode, IgwnAuthError } from "../../lib/errors.js";
import { fetchIssuerJson, type IssuerFetchOptions } from "./http.js";

/** More keys than any issuer publishes; a bigger set is refused rather than scanned. */
export const MAX_JWKS_KEYS = 100;

// Only these members are kept: a misconfigured issuer that publishes private parts (`d`, `p`,
// …) must not get them written into our cache or used as anything but a public key.
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ["n", "e"],
  EC: ["crv", "x", "y"],
  OKP: ["crv", "x"],
};
const COMMON_MEMBERS = ["kty", "kid", "alg", "use", "key_ops"] as const;

/**
 * The public part of one JWK, or `undefined` when it is not an asymmetric key we can use.
 *
 * @example
 * ```ts
 * publicJwk({ kty: "EC", crv: "P-256", x, y, d }); // { kty: "EC", crv: "P-256", x, y }
 * ```
 */
export function publicJwk(value: unknown): JWK | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const source = value as Record<string, unknown>;
  // Own entries only: an issuer's `"kty": "constructor"` must not find Object.prototype's.
  const members =
    typeof source.kty === "string" && Object.hasOwn(PUBLIC_MEMBERS, source.kty)
      ? PUBLIC_MEMBERS[source.kty]
      : undefined;
  if (!members) return undefined;
  const jwk: Record<string, unknown> = {};
  for (const name of [...COMMON_MEMBERS, ...members]) {
    if (source[name] !== undefined) jwk[name] = source[name];
  }
  for (const name of members) if (typeof jwk[name] !== "string") return undefined;
  if (jwk.kid !== undefined && typeof jwk.kid !== "string") return undefined;
  if (jwk.alg !== undefined && typeof jwk.alg !== "string") return undefined;
  if (jwk.use !== undefined && typeof jwk.use !== "string") return undefined;
  if (jwk.key_ops !== undefined && !Array.isArray(jwk.key_ops)) return undefined;
  return jwk as JWK;
}

/**
 * The usable public keys of a JWKS document; keys we cannot use are dropped, a document that
 * is not a key set is an error naming `where`.
 *
 * @example
 * ```ts
 * const keys = parseJwks(JSON.parse(text), "https://issuer.example/jwks");
 * ```
 */
export function parseJwks(body: unknown, where: string): JWK[] {
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (typeof body !== "object" || body === null || !Array.isArray(keys)) {
    throw new IgwnAuthError(`${where} is not a JSON Web Key Set (no "keys" list)`, {
      code: ErrorCode.KEY_RETRIEVAL,
    });
  }
  if (keys.length > MAX_JWKS_KEYS) {
    throw new IgwnAuthError(`${where} holds ${keys.length} keys, more than ${MAX_JWKS_KEYS}`, {
      code: ErrorCode.KEY_RETRIEVAL,
    });
  }
  return keys.map(publicJwk).filter((k): k is JWK => k !== undefined);
}

/** A fetched key set and how long the issuer says it stays fresh. */
export interface FetchedJwks {
  readonly keys: JWK[];
  /** From `Cache-Control: max-age`, in seconds, when the issuer sent one. */
  readonly maxAgeSeconds: number | undefined;
}

/**
 * GET and parse the key set at `jwksUri`.
 *
 * @example
 * ```ts
 * const { keys } = await fetchJwks(jwksUri, "https://cilogon.org/igwn", { timeout: 5000 });
 * ```
 */
export async function fetchJwks(
  jwksUri: URL,
  issuer: string,
  options: IssuerFetchOptions,
): Promise<FetchedJwks> {
  const what = `the key set of issuer ${issuer}`;
  const res = await fetchIssuerJson(jwksUri, what, options);
  if (res.status !== 200) {
    throw new IgwnAuthError(
      `could not fetch ${what}: ${jwksUri.href} answered HTTP ${res.status}`,
      {
        code: ErrorCode.KEY_RETRIEVAL,
      },
    );
  }
  if (!res.parsed) {
    throw new IgwnAuthError(`could not fetch ${what}: ${jwksUri.href} did not answer JSON`, {
      code: ErrorCode.KEY_RETRIEVAL,
    });
  }
  return {
    keys: parseJwks(res.json, `${what} at ${jwksUri.href}`),
    maxAgeSeconds: res.maxAgeSeconds,
  };
}
