// Choosing, among an issuer's keys, the ones that may have signed a token.
import { createPublicKey, type KeyObject } from "node:crypto";
import type { JWK } from "jose";

// Which key type (and EC curve) each accepted signature algorithm needs: the two
// scitokens-cpp verifies (deserialize.ts refuses any other before a key is looked for).
const KEY_SHAPE: Record<string, { kty: string; crv?: string }> = {
  RS256: { kty: "RSA" },
  ES256: { kty: "EC", crv: "P-256" },
};

/** What the token's protected header says about its key. */
export interface KeyHint {
  readonly alg: string;
  readonly kid?: string | undefined;
}

function fits(jwk: JWK, alg: string): boolean {
  const shape = KEY_SHAPE[alg];
  if (!shape || jwk.kty !== shape.kty) return false;
  if (shape.crv !== undefined && jwk.crv !== shape.crv) return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (jwk.use !== undefined && jwk.use !== "sig") return false;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes("verify")) return false;
  return true;
}

/**
 * The keys of a set that may verify a token with this header: those with its `kid`; or, for
 * a token without a `kid`, the only key that fits its `alg` (several fitting keys are
 * ambiguous, as in the SciTokens libraries, and give none).
 *
 * @example
 * ```ts
 * const [jwk] = matchingJwks(keys, { alg: "ES256", kid: "key-1" });
 * ```
 */
export function matchingJwks(keys: readonly JWK[], hint: KeyHint): JWK[] {
  const fitting = keys.filter((jwk) => fits(jwk, hint.alg));
  if (hint.kid === undefined) return fitting.length === 1 ? fitting : [];
  return fitting.filter((jwk) => jwk.kid === hint.kid);
}

const imported = new WeakMap<JWK, KeyObject | null>();

/**
 * A public `KeyObject` for a JWK, or `null` when Node cannot import it (remembered per JWK
 * object so a cached set is imported once).
 *
 * @example
 * ```ts
 * const key = importPublicJwk({ kty: "RSA", n, e });
 * ```
 */
export function importPublicJwk(jwk: JWK): KeyObject | null {
  const known = imported.get(jwk);
  if (known !== undefined) return known;
  let key: KeyObject | null;
  try {
    key = createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
  } catch {
    key = null;
  }
  imported.set(jwk, key);
  return key;
}
