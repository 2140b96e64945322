// The SciTokens enforcer's claim rules as one pure, synchronous function, so that
// isValidToken, discovery, its cache and the CLI's `diagnose` all give the same verdict
// and the same reason. Internal.
import {
  grantsAllow,
  parseRequestedScopes,
  parseTokenScopes,
  type RequestedScope,
} from "./scope.js";
import type { TokenClaims } from "./token.js";

/**
 * How far in the future `nbf` and `iat` may lie and still count as "now". The Python
 * enforcer allows none, but a token minted a moment ago by an issuer whose clock runs a
 * few seconds ahead would then be refused right after `htgettoken` wrote it. RFC 7519
 * allows "a few minutes" of leeway; one minute is enough for NTP-synchronised hosts.
 * `exp` gets no leeway: `timeleft` already says how much margin the caller wants.
 */
export const CLOCK_SKEW_SECONDS = 60;

/** What a token must satisfy, already parsed (see {@link claimsRequest}). */
export interface ClaimsRequest {
  /** Audiences any of which the token's `aud` must name; `undefined`: none requested. */
  readonly audience: readonly string[] | undefined;
  /** Scopes that must all be granted; `undefined`: any scope will do. */
  readonly scopes: readonly RequestedScope[] | undefined;
  /** Issuers one of which must be the token's `iss`; `undefined`: any issuer. */
  readonly issuer: readonly string[] | undefined;
  /** Seconds that must remain before `exp`. */
  readonly timeleft: number;
}

/** The verdict on a token's claims. */
export interface ClaimsVerdict {
  /** Why the token was refused, naming the claim, or `null` when it is acceptable. */
  readonly reason: string | null;
  /**
   * When the verdict may change by itself (Unix seconds): a token refused as not yet
   * valid becomes valid, an accepted token stops having `timeleft` left. `Infinity` when
   * only a change to the token can change the verdict.
   */
  readonly changesAt: number;
}

function toList(value: string | readonly string[] | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? [value] : value;
}

/**
 * Parse and check what a caller asks of a token.
 *
 * @throws {TypeError} for a malformed requested scope (see `parseRequestedScopes`) or a
 * `timeleft` that is not a number.
 */
export function claimsRequest(
  audience: string | readonly string[] | undefined,
  scope: string | readonly string[] | undefined,
  opts: { issuer?: string | readonly string[] | undefined; timeleft?: number | undefined } = {},
): ClaimsRequest {
  const timeleft = opts.timeleft ?? 60;
  if (typeof timeleft !== "number" || Number.isNaN(timeleft)) {
    throw new TypeError(`timeleft must be a number of seconds, not ${String(timeleft)}`);
  }
  return {
    audience: toList(audience),
    scopes: parseRequestedScopes(scope),
    issuer: toList(opts.issuer),
    timeleft,
  };
}

const SCITOKENS_VERSIONS = new Set<unknown>([1, "scitoken:1.0", "scitokens:1.0"]);
const SCITOKENS_2_VERSIONS = new Set<unknown>(["scitoken:2.0", "scitokens:2.0"]);

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function showList(values: readonly string[]): string {
  return values.map((v) => show(v)).join(", ");
}

function numericClaim(
  claims: TokenClaims,
  name: "exp" | "nbf" | "iat",
): number | string | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return `claim '${name}' (${show(value)}) is not a number`;
  }
  return value;
}

/** Profile checks: which version, and which claims it makes mandatory. */
function checkProfile(claims: TokenClaims): { reason: string | null; wlcg: boolean } {
  const ver = claims.ver;
  if (ver !== undefined) {
    if (SCITOKENS_2_VERSIONS.has(ver)) {
      if (claims.aud === undefined) {
        return { reason: `a ${show(ver)} token must have an 'aud' claim`, wlcg: false };
      }
    } else if (!SCITOKENS_VERSIONS.has(ver)) {
      return {
        reason: `claim 'ver' (${show(ver)}) is not a version this library understands`,
        wlcg: false,
      };
    }
    return { reason: null, wlcg: false };
  }
  const wlcgVer = claims["wlcg.ver"];
  if (wlcgVer === undefined) return { reason: null, wlcg: false };
  if (wlcgVer !== "1.0") {
    return {
      reason: `claim 'wlcg.ver' (${show(wlcgVer)}) is not a WLCG profile version this library understands`,
      wlcg: true,
    };
  }
  if (claims.aud === undefined) {
    return { reason: "a WLCG profile token must have an 'aud' claim", wlcg: true };
  }
  return { reason: null, wlcg: true };
}

function checkTimes(
  claims: TokenClaims,
  timeleft: number,
  now: number,
): { reason: string | null; changesAt: number } {
  const exp = numericClaim(claims, "exp");
  const nbf = numericClaim(claims, "nbf");
  const iat = numericClaim(claims, "iat");
  for (const value of [exp, nbf, iat]) {
    if (typeof value === "string") return { reason: value, changesAt: Number.POSITIVE_INFINITY };
  }
  // A token without `exp` never expires, as in the Python enforcer (which only checks
  // the claims a token has).
  const expiresAt = typeof exp === "number" ? exp - timeleft : Number.POSITIVE_INFINITY;
  if (typeof exp === "number" && exp < now + timeleft) {
    const left = Math.round(exp - now);
    const reason =
      left < 0
        ? `claim 'exp': the token expired ${-left} s ago`
        : `claim 'exp': the token has ${left} s left, less than the ${timeleft} s required`;
    return { reason, changesAt: Number.POSITIVE_INFINITY };
  }
  for (const [name, value] of [
    ["nbf", nbf],
    ["iat", iat],
  ] as const) {
    if (typeof value === "number" && value > now + CLOCK_SKEW_SECONDS) {
      const validFrom = value - CLOCK_SKEW_SECONDS;
      return {
        reason: `claim '${name}' is ${Math.round(value - now)} s in the future (the token is not valid yet)`,
        // It becomes acceptable then, unless it has run out by that time.
        changesAt: validFrom < expiresAt ? validFrom : Number.POSITIVE_INFINITY,
      };
    }
  }
  return { reason: null, changesAt: expiresAt };
}

function checkIssuer(claims: TokenClaims, issuer: readonly string[] | undefined): string | null {
  if (issuer === undefined) return null;
  if (typeof claims.iss !== "string") return "the token has no 'iss' claim";
  if (!issuer.includes(claims.iss)) {
    return `claim 'iss' (${show(claims.iss)}) is not an accepted issuer (${showList(issuer)})`;
  }
  return null;
}

function checkAudience(
  claims: TokenClaims,
  audience: readonly string[] | undefined,
): string | null {
  const aud = claims.aud;
  // The enforcer only checks claims the token has: no `aud`, no audience restriction
  // (profiles that require one are checked in checkProfile).
  if (aud === undefined) return null;
  const values = typeof aud === "string" ? [aud] : aud;
  if (!Array.isArray(values) || values.some((v) => typeof v !== "string")) {
    return `claim 'aud' (${show(aud)}) is neither a string nor a list of strings`;
  }
  if (values.includes("ANY")) return null;
  if (audience === undefined || audience.length === 0) {
    return `claim 'aud' (${showList(values)}) restricts the token to an audience, but none was requested`;
  }
  if (!values.some((v) => audience.includes(v))) {
    return `claim 'aud' (${showList(values)}) does not match the requested audience (${showList(audience)})`;
  }
  return null;
}

function checkScopes(
  claims: TokenClaims,
  scopes: readonly RequestedScope[] | undefined,
  wlcg: boolean,
): string | null {
  // `scope` is the claim to check; the legacy `scp` list stands in only when there is no
  // `scope`, and never vetoes a token that has one. (scitokens-cpp refuses a token without
  // `scope`; the Python package reads `scp` then, and so does this library.)
  let name: "scope" | "scp";
  let items: readonly string[];
  if (claims.scope !== undefined) {
    if (typeof claims.scope !== "string") {
      return "claim 'scope' is not a space-separated string";
    }
    name = "scope";
    items = claims.scope.split(" ");
  } else if (claims.scp !== undefined) {
    const scp: unknown = claims.scp;
    const list = typeof scp === "string" ? [scp] : scp;
    if (!Array.isArray(list) || list.some((s) => typeof s !== "string")) {
      return "claim 'scp' is not a list of strings";
    }
    name = "scp";
    items = list as string[];
  } else {
    return "the token has no 'scope' (or 'scp') claim";
  }
  const ignored: string[] = [];
  const grants = parseTokenScopes(items, wlcg, ignored);
  for (const requested of scopes ?? []) {
    if (!grantsAllow(grants, requested)) {
      const why = ignored.length > 0 ? ` (ignored: ${ignored.join("; ")})` : "";
      return `claim '${name}' (${show(items.join(" "))}) does not grant ${show(requested.text)}${why}`;
    }
  }
  return null;
}

/**
 * Judge a token's claims against a request, with the full verdict (see
 * {@link checkTokenClaims} for the rules).
 */
export function evaluateTokenClaims(
  claims: TokenClaims,
  request: ClaimsRequest,
  now: number = Date.now() / 1000,
): ClaimsVerdict {
  const never = Number.POSITIVE_INFINITY;
  const profile = checkProfile(claims);
  if (profile.reason) return { reason: profile.reason, changesAt: never };
  const issuer = checkIssuer(claims, request.issuer);
  if (issuer) return { reason: issuer, changesAt: never };
  const times = checkTimes(claims, request.timeleft, now);
  if (times.reason) return times;
  const reason =
    checkAudience(claims, request.audience) ?? checkScopes(claims, request.scopes, profile.wlcg);
  return { reason, changesAt: reason ? never : times.changesAt };
}

/**
 * The SciTokens enforcer's rules on a token's claims: `exp >= now + timeleft`; `nbf` and
 * `iat` not in the future (give or take {@link CLOCK_SKEW_SECONDS}); `iss` one of the
 * requested issuers; `aud` naming one of the requested audiences (or `ANY`); every
 * requested scope granted by `scope` (or the legacy `scp`), WLCG storage scopes also read
 * as their scitokens-cpp compatibility names; `scitoken:2.0` and WLCG tokens must have
 * `aud`. Claims the rules do not name are ignored, in every profile.
 *
 * @returns why the token is refused (naming the claim; never the token itself), or
 * `null` when it is acceptable.
 */
export function checkTokenClaims(
  claims: TokenClaims,
  request: ClaimsRequest,
  now: number = Date.now() / 1000,
): string | null {
  return evaluateTokenClaims(claims, request, now).reason;
}
