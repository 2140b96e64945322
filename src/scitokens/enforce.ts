// The SciTokens enforcer's claim rules as one pure, synchronous function, so that
// isValidToken, discovery, its cache and the CLI's `diagnose` all give the same verdict
// and the same reason. Internal.

import { formatDuration, quoted } from "../lib/text.js";
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

/** The token profiles scitokens-cpp tells apart; each has its own rules. */
type Profile = "scitokens:1.0" | "scitokens:2.0" | "wlcg:1.0";

/** `ver` values and the profile each means (scitokens-cpp 0.7.3's list, and no other). */
const VERSIONS: ReadonlyMap<unknown, Profile> = new Map<unknown, Profile>([
  ["scitoken:2.0", "scitokens:2.0"],
  ["scitokens:2.0", "scitokens:2.0"],
  ["scitokens:1.0", "scitokens:1.0"],
]);

/** The WLCG profile's any-audience. */
export const WLCG_ANY_AUDIENCE = "https://wlcg.cern.ch/jwt/v1/any";

/**
 * The audience that stands for any audience, by profile. Each wildcard belongs to its own
 * profile, as in scitokens-cpp: a WLCG token with `aud: "ANY"` is only for a service that
 * lists `ANY` itself, and a SciTokens token with the WLCG URI likewise. (scitokens-cpp 0.7.3
 * takes `ANY` only in SciTokens 2.0 tokens; SPEC §5 and the Python package take it in every
 * SciTokens token, and so does this library: a token passed over here would be a token
 * never sent to a Python service that accepts it.)
 */
const ANY_AUDIENCE: Readonly<Record<Profile, string>> = {
  "scitokens:2.0": "ANY",
  "scitokens:1.0": "ANY",
  "wlcg:1.0": WLCG_ANY_AUDIENCE,
};

const PROFILE_NAMES: Readonly<Record<Profile, string>> = {
  "scitokens:1.0": "a SciTokens 1.0 token",
  "scitokens:2.0": "a SciTokens 2.0 token",
  "wlcg:1.0": "a WLCG token",
};

function show(value: unknown): string {
  return quoted(value);
}

function showList(values: readonly string[]): string {
  return values.map((v) => show(v)).join(", ");
}

/** Which profile a token follows: by `ver`, then `wlcg.ver`, else SciTokens 1.0. */
function profileOf(claims: TokenClaims): { profile: Profile; reason: string | null } {
  const ver = claims.ver;
  if (ver !== undefined) {
    const profile = VERSIONS.get(ver);
    if (typeof ver !== "string") {
      return { profile: "scitokens:1.0", reason: `claim 'ver' (${show(ver)}) is not a string` };
    }
    if (profile === undefined) {
      return {
        profile: "scitokens:1.0",
        reason: `claim 'ver' (${show(ver)}) is not a token version scitokens-cpp accepts (scitoken:2.0, scitokens:2.0 or scitokens:1.0)`,
      };
    }
    return { profile, reason: null };
  }
  const wlcgVer = claims["wlcg.ver"];
  if (wlcgVer !== undefined) {
    return {
      profile: "wlcg:1.0",
      reason:
        wlcgVer === "1.0"
          ? null
          : `claim 'wlcg.ver' (${show(wlcgVer)}) is not a WLCG profile version scitokens-cpp accepts (1.0)`,
    };
  }
  return { profile: "scitokens:1.0", reason: null };
}

/**
 * What a profile requires of a token's claims besides time, audience and scope: `iss`,
 * `exp`, `aud` in SciTokens 2.0 and WLCG tokens, `sub` and `jti` strings when present.
 * (scitokens-cpp 0.7.3 also requires `iat` and `nbf`, and refuses claims it does not know in
 * a SciTokens 1.0 token; SPEC §5 and the Python package do not, and neither does this
 * library: tokens made by hand or by other issuers often lack `nbf`.)
 */
function checkProfile(claims: TokenClaims, profile: Profile): string | null {
  if (claims.iss === undefined) return "the token has no 'iss' claim";
  if (typeof claims.iss !== "string") return `claim 'iss' (${show(claims.iss)}) is not a string`;
  for (const name of ["sub", "jti"] as const) {
    const value = claims[name];
    if (value !== undefined && typeof value !== "string") {
      return `claim '${name}' (${show(value)}) is not a string`;
    }
  }
  if ((profile === "scitokens:2.0" || profile === "wlcg:1.0") && claims.aud === undefined) {
    return `${PROFILE_NAMES[profile]} must have an 'aud' claim`;
  }
  if (claims.exp === undefined) return "the token has no 'exp' claim";
  return null;
}

/**
 * A time claim as a whole number of seconds, or why it is not one. scitokens-cpp refuses
 * fractions and strings (the Python package takes any number).
 */
function timeClaim(claims: TokenClaims, name: "exp" | "nbf" | "iat"): number | string | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    return `claim '${name}' (${show(value)}) is not a whole number of seconds`;
  }
  return value;
}

function checkTimes(
  claims: TokenClaims,
  timeleft: number,
  now: number,
): { reason: string | null; changesAt: number } {
  const exp = timeClaim(claims, "exp");
  const nbf = timeClaim(claims, "nbf");
  const iat = timeClaim(claims, "iat");
  for (const value of [exp, nbf, iat]) {
    if (typeof value === "string") return { reason: value, changesAt: Number.POSITIVE_INFINITY };
  }
  // checkProfile has made sure the token has `exp`.
  const expires = exp as number;
  if (expires < now + timeleft) {
    const left = Math.round(expires - now);
    const reason =
      left < 0
        ? `claim 'exp': the token expired ${formatDuration(-left)} ago`
        : `claim 'exp': the token has ${formatDuration(left)} left, less than the ${formatDuration(timeleft)} required`;
    return { reason, changesAt: Number.POSITIVE_INFINITY };
  }
  const expiresAt = expires - timeleft;
  for (const [name, value] of [
    ["nbf", nbf],
    ["iat", iat],
  ] as const) {
    if (typeof value === "number" && value > now + CLOCK_SKEW_SECONDS) {
      const validFrom = value - CLOCK_SKEW_SECONDS;
      return {
        reason: `claim '${name}' is ${formatDuration(value - now)} in the future (the token is not valid yet)`,
        // It becomes acceptable then, unless it has run out by that time.
        changesAt: validFrom < expiresAt ? validFrom : Number.POSITIVE_INFINITY,
      };
    }
  }
  return { reason: null, changesAt: expiresAt };
}

function checkIssuer(claims: TokenClaims, issuer: readonly string[] | undefined): string | null {
  if (issuer === undefined || typeof claims.iss !== "string") return null;
  if (!issuer.includes(claims.iss)) {
    return `claim 'iss' (${show(claims.iss)}) is not an accepted issuer (${showList(issuer)})`;
  }
  return null;
}

function checkAudience(
  claims: TokenClaims,
  audience: readonly string[] | undefined,
  profile: Profile,
): string | null {
  const aud = claims.aud;
  const requested = audience !== undefined && audience.length > 0;
  // A SciTokens 1.0 token without `aud` is not restricted to an audience (SPEC §5, the
  // Python enforcer; scitokens-cpp refuses it once an audience is asked for). The other
  // profiles must have one (checkProfile).
  if (aud === undefined) return null;
  const values = typeof aud === "string" ? [aud] : aud;
  if (!Array.isArray(values) || values.some((v) => typeof v !== "string")) {
    return `claim 'aud' (${show(aud)}) is neither a string nor a list of strings`;
  }
  const any = ANY_AUDIENCE[profile];
  if (values.includes(any)) return null;
  if (values.length === 0) return "claim 'aud' is an empty list";
  if (!requested) {
    return `claim 'aud' (${showList(values)}) restricts the token to an audience, but none was requested`;
  }
  if (values.some((v) => audience.includes(v))) return null;
  // Say so when the token holds another profile's wildcard: it looks like it should do.
  const wildcard = values.find((v) => Object.values(ANY_AUDIENCE).includes(v) && v !== any);
  const note =
    wildcard === undefined
      ? ""
      : `; ${show(wildcard)} stands for any audience only in ${wildcard === "ANY" ? "a SciTokens token" : PROFILE_NAMES["wlcg:1.0"]}, and this is ${PROFILE_NAMES[profile]}`;
  return `claim 'aud' (${showList(values)}) does not match the requested audience (${showList(audience)})${note}`;
}

function checkScopes(
  claims: TokenClaims,
  scopes: readonly RequestedScope[] | undefined,
  profile: Profile,
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
  const grants = parseTokenScopes(items, profile === "wlcg:1.0", ignored);
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
  const { profile, reason: version } = profileOf(claims);
  if (version) return { reason: version, changesAt: never };
  const required = checkProfile(claims, profile);
  if (required) return { reason: required, changesAt: never };
  const issuer = checkIssuer(claims, request.issuer);
  if (issuer) return { reason: issuer, changesAt: never };
  const times = checkTimes(claims, request.timeleft, now);
  if (times.reason) return times;
  const reason =
    checkAudience(claims, request.audience, profile) ??
    checkScopes(claims, request.scopes, profile);
  return { reason, changesAt: reason ? never : times.changesAt };
}

/**
 * The rules scitokens-cpp 0.7.3's enforcer applies to a token's claims — what XRootD and
 * HTCondor decide access with — where SPEC §5 follows it:
 * - the profile, from `ver` (`scitoken:2.0`, `scitokens:2.0`, `scitokens:1.0`; any other
 *   value is refused), else `wlcg.ver` (`1.0`), else SciTokens 1.0; SciTokens 2.0 and WLCG
 *   tokens must have `aud`;
 * - `iss` and `exp` present; `exp`, `nbf` and `iat` whole numbers of seconds;
 *   `exp >= now + timeleft`; `nbf` and `iat` not in the future (give or take
 *   {@link CLOCK_SKEW_SECONDS}); `sub` and `jti` strings;
 * - `iss` one of the requested issuers;
 * - `aud` naming one of the requested audiences or the profile's any-audience (`ANY` for
 *   SciTokens tokens, {@link WLCG_ANY_AUDIENCE} for WLCG tokens);
 * - every requested scope granted by `scope` (or the legacy `scp` when there is no
 *   `scope`): the same authorisation on `/`, the same path or a parent folder; malformed
 *   items ignored; WLCG scopes also read as scitokens-cpp's compatibility names, and a
 *   requested WLCG storage scope also satisfied by its SciTokens name.
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
