import { inspect } from "node:util";

/**
 * The claims of a SciToken / WLCG token (the JWT payload).
 *
 * @category SciTokens
 */
export interface TokenClaims {
  /** Issuer: the URL whose published keys sign the token. */
  iss?: string;
  /** Subject: who the token was issued to. */
  sub?: string;
  /**
   * Audience: the service(s) the token is for, or the profile's any-audience (`"ANY"` in a
   * SciTokens token, `"https://wlcg.cern.ch/jwt/v1/any"` in a WLCG token).
   */
  aud?: string | string[];
  /** Expiry, in whole seconds since the Unix epoch (required for a token to be valid). */
  exp?: number;
  /** Not valid before, in whole seconds since the Unix epoch. */
  nbf?: number;
  /** Issued at, in whole seconds since the Unix epoch. */
  iat?: number;
  /** A unique identifier of the token. */
  jti?: string;
  /** Space-separated scopes, `authz[:path]` (e.g. `read:/frames`). */
  scope?: string;
  /** Scopes as a list (legacy SciTokens 1.0). */
  scp?: string[];
  /** Token profile version: `scitoken:2.0`, `scitokens:2.0` or `scitokens:1.0`. */
  ver?: string;
  /** WLCG token profile version, e.g. `1.0`. */
  "wlcg.ver"?: string;
  [claim: string]: unknown;
}

/**
 * The protected header of a token.
 *
 * @category SciTokens
 */
export interface TokenHeader {
  /** Signature algorithm, e.g. `RS256` or `ES256`. */
  alg: string;
  /** Which of the issuer's keys signed the token. */
  kid?: string;
  /** Media type, usually `JWT`. */
  typ?: string;
  [name: string]: unknown;
}

/**
 * A parsed bearer token whose signature has been verified (see {@link deserializeToken}).
 *
 * The serialised form is kept out of `util.inspect`, `JSON.stringify` and string
 * conversion so a token never leaks into a log by accident; read
 * {@link SciToken.serialized} on purpose when it must be sent.
 *
 * @example
 * ```ts
 * const token = await loadTokenFile("/run/user/1000/bt_u1000");
 * console.log(token.get("sub"), token.timeLeft());
 * ```
 * @category SciTokens
 */
export class SciToken {
  readonly #serialized: string;
  /** The token's claims (payload). */
  readonly claims: Readonly<TokenClaims>;
  /** The token's protected header (`alg`, `kid`, `typ`). */
  readonly header: Readonly<TokenHeader>;

  constructor(serialized: string, header: TokenHeader, claims: TokenClaims) {
    this.#serialized = serialized;
    this.header = Object.freeze({ ...header });
    this.claims = Object.freeze({ ...claims });
  }

  /** The compact serialised token (`header.payload.signature`): a secret. */
  get serialized(): string {
    return this.#serialized;
  }

  /** The value of one claim, or `undefined`. */
  get(name: string): unknown {
    return this.claims[name];
  }

  /** Seconds until `exp` (negative once expired; `Infinity` when the token has no `exp`). */
  timeLeft(now: number = Date.now() / 1000): number {
    return typeof this.claims.exp === "number" ? this.claims.exp - now : Number.POSITIVE_INFINITY;
  }

  /** Header and claims for `JSON.stringify`; the serialised token shows as `[redacted]`. */
  toJSON(): object {
    return { header: this.header, claims: this.claims, serialized: "[redacted]" };
  }

  /** `SciToken(iss=…, sub=…)`: never the serialised token. */
  toString(): string {
    return `SciToken(iss=${String(this.claims.iss)}, sub=${String(this.claims.sub)})`;
  }

  /** What `util.inspect` and `console.log` show: header and claims, the token redacted. */
  [inspect.custom](): string {
    return `SciToken ${inspect({ header: this.header, claims: this.claims, serialized: "[redacted]" })}`;
  }
}
