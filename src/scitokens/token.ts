import { inspect } from "node:util";

/** The claims of a SciToken / WLCG token (the JWT payload). */
export interface TokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  scope?: string;
  scp?: string[];
  ver?: string;
  "wlcg.ver"?: string;
  [claim: string]: unknown;
}

/** The protected header of a token. */
export interface TokenHeader {
  alg: string;
  kid?: string;
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

  toJSON(): object {
    return { header: this.header, claims: this.claims, serialized: "[redacted]" };
  }

  toString(): string {
    return `SciToken(iss=${String(this.claims.iss)}, sub=${String(this.claims.sub)})`;
  }

  [inspect.custom](): string {
    return `SciToken ${inspect({ header: this.header, claims: this.claims, serialized: "[redacted]" })}`;
  }
}
