// The claims of a typical SciToken 2.0, for fixtures that mint tokens.
import { randomBytes } from "node:crypto";

/**
 * `iss`, `sub`, `aud: ANY`, `scope: read:/ write:/`, `ver`, `iat`/`nbf` now, `exp` after
 * `expiresIn` seconds and a fresh `jti`, with `overrides` on top; an override of
 * `undefined` removes that claim.
 */
export function tokenClaims(
  iss: string,
  overrides: Record<string, unknown> = {},
  expiresIn = 3600,
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss,
    sub: "albert.einstein",
    aud: "ANY",
    scope: "read:/ write:/",
    ver: "scitoken:2.0",
    iat: now,
    nbf: now,
    exp: now + expiresIn,
    jti: randomBytes(8).toString("hex"),
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}
