import { type DeserializeOptions, deserializeToken } from "./deserialize.js";
import { checkTokenClaims, claimsRequest } from "./enforce.js";
import { SciToken } from "./token.js";
import { emitTokenWarning } from "./warn.js";

/**
 * Options of {@link isValidToken}.
 *
 * @category SciTokens
 */
export interface IsValidTokenOptions extends DeserializeOptions {
  /** Issuer(s) the token's `iss` must be one of; default any. */
  issuer?: string | string[];
  /** Seconds that must remain before the token's `exp` (default 60). */
  timeleft?: number;
  /** Emit a process warning saying why a token was refused (never the token itself). */
  warn?: boolean;
}

/**
 * Whether `token` may be used for `audience` and `scope`, by the rules scitokens-cpp (what
 * XRootD and HTCondor use) applies:
 * - the signature verifies, RS256 or ES256 (see {@link deserializeToken});
 * - `ver` is `scitoken:2.0`, `scitokens:2.0`, `scitokens:1.0` or absent (never
 *   `scitoken:1.0`); SciTokens 2.0 and WLCG (`wlcg.ver: "1.0"`) tokens have `aud`;
 * - `iss` and `exp` are present; `exp`, `nbf` and `iat` are whole seconds; `exp` at least
 *   `timeleft` seconds away; `nbf` and `iat` not in the future (up to a minute of clock
 *   skew allowed); `iss` one of `opts.issuer`;
 * - `aud` (a string or list) names one of `audience` — or is the any-audience of the
 *   token's profile: `ANY` in a SciTokens token, `https://wlcg.cern.ch/jwt/v1/any` in a
 *   WLCG token; a SciTokens 1.0 token without `aud` is not restricted to an audience;
 * - every requested scope (`"authz:/path"`, space separated, or a list) is granted by the
 *   token's `scope` (or legacy `scp`, when there is no `scope`): the same authz, on `/`,
 *   the same path or a parent folder (`write:/data/` grants `write:/data`, never
 *   `write:/database`); a malformed item in the token is ignored, the others still count;
 *   WLCG storage scopes also count as their SciTokens names, both ways (`storage.read:/x`
 *   grants `read:/x`; a requested `storage.read:/x` is satisfied by `read:/x`). `scope`
 *   `undefined` accepts any scope.
 *
 * A serialised token is first parsed and its signature verified (with the
 * {@link DeserializeOptions} in `opts`); one that cannot be is invalid, not an error.
 *
 * @throws {TypeError} when a requested scope is malformed (`read` or `write` without an
 * absolute path, or a path with `..`).
 *
 * @example
 * ```ts
 * const ok = await isValidToken(token, targetAudience(url), "read:/frames", {
 *   issuer: "https://cilogon.org/igwn",
 *   timeleft: 300,
 * });
 * ```
 * @category SciTokens
 */
export async function isValidToken(
  token: SciToken | string | Uint8Array,
  audience: string | string[] | undefined,
  scope: string | string[] | undefined,
  opts: IsValidTokenOptions = {},
): Promise<boolean> {
  // A malformed request is the caller's mistake: say so before looking at any token.
  const request = claimsRequest(audience, scope, opts);
  let parsed: SciToken;
  if (token instanceof SciToken) {
    parsed = token;
  } else {
    try {
      parsed = await deserializeToken(token, opts);
    } catch (err) {
      if (opts.warn) emitTokenWarning(`token rejected: ${(err as Error).message}`);
      return false;
    }
  }
  const reason = checkTokenClaims(parsed.claims, request);
  if (reason !== null) {
    if (opts.warn) emitTokenWarning(`token rejected: ${reason}`);
    return false;
  }
  return true;
}
