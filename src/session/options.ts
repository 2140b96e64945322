import type { OptionsInit } from "got";
import type { DeserializeOptions } from "../scitokens/deserialize.js";
import type { SciToken } from "../scitokens/token.js";
import type { BasicCredentials } from "../strategies/basic.js";
import type { AuthStrategy } from "../strategies/types.js";

/**
 * Explicit basic credentials: a `[username, password]` pair or an object.
 *
 * @category Session
 */
export type BasicAuthInput = readonly [username: string, password: string] | BasicCredentials;

/**
 * The auth options a Session takes, and each request may override.
 *
 * @category Session
 */
export interface AuthOptions {
  /**
   * Bearer token: a token object or serialised token is used as is; `false` disables
   * tokens; `true` requires discovery (the request fails if none is valid);
   * `undefined`/`null` tries discovery and moves on.
   */
  token?: SciToken | string | Uint8Array | boolean | null;
  /** `aud` to require when discovering; default: each request URL's own audience. */
  tokenAudience?: string | string[];
  /** Scope(s) to require when discovering. */
  tokenScope?: string | string[];
  /** Issuer(s) (`iss`) to require when discovering. */
  tokenIssuer?: string | string[];
  /**
   * X.509: a PEM path (cert and key in one file), a `[cert, key]` pair, `false` (off),
   * `true` (required) or `undefined`/`null` (discover, move on if none).
   */
  cert?: string | readonly [cert: string, key: string] | boolean | null;
  /** Explicit basic credentials or any {@link AuthStrategy}. */
  auth?: BasicAuthInput | AuthStrategy | null;
  /** No credentials at all, and no discovery. */
  forceNoauth?: boolean;
  /** Fail with `IgwnAuthError` when no credential is found. */
  failIfNoauth?: boolean;
}

/**
 * Options of a {@link Session}: the auth options, session settings, and any got option.
 *
 * @category Session
 */
export interface SessionOptions extends AuthOptions, Omit<OptionsInit, "url"> {
  /** The host this session talks to: the audience and netrc host where no request URL exists yet. */
  url?: string;
  /** Reject responses with status >= 400 with got's `HTTPError` (default `true`). */
  raiseForStatus?: boolean;
  /** How discovered tokens are verified: issuer CA, public key, timeouts, key cache. */
  tokenVerification?: DeserializeOptions;
  /**
   * Send discovered credentials (token, netrc password) over plain `http:` to hosts that
   * are not loopback. Off by default: anyone on the network could read them.
   */
  allowInsecureTransport?: boolean;
}

/**
 * Options of one request: auth overrides for this request only, plus any got option.
 *
 * @category Session
 */
export interface RequestOptions extends AuthOptions, Omit<OptionsInit, "url"> {
  /** Reject a response with status >= 400 with got's `HTTPError` (default: the session's). */
  raiseForStatus?: boolean;
}

const AUTH_KEYS = [
  "token",
  "tokenAudience",
  "tokenScope",
  "tokenIssuer",
  "cert",
  "auth",
  "forceNoauth",
  "failIfNoauth",
] as const satisfies readonly (keyof AuthOptions)[];

const AUTH_KEY_SET: ReadonlySet<string> = new Set(AUTH_KEYS);

const SESSION_KEYS = [
  "url",
  "raiseForStatus",
  "tokenVerification",
  "allowInsecureTransport",
] as const;

/** Split options into this library's auth options and what goes to got unchanged. */
export function splitAuthOptions<T extends AuthOptions>(
  options: T,
): { auth: AuthOptions; got: Omit<T, keyof AuthOptions> } {
  const auth: Record<string, unknown> = {};
  const got: Record<string, unknown> = {};
  // Copied key by key rather than spread-then-deleted: this runs for every request, and
  // `delete` turns an object into a slow dictionary that got then copies again.
  for (const key in options) {
    if (!Object.hasOwn(options, key)) continue;
    const value = (options as Record<string, unknown>)[key];
    if (AUTH_KEY_SET.has(key)) {
      if (value !== undefined) auth[key] = value;
    } else {
      got[key] = value;
    }
  }
  return { auth: auth as AuthOptions, got: got as Omit<T, keyof AuthOptions> };
}
/** Split session options into auth options, session settings and got options. */
export function splitSessionOptions(options: SessionOptions): {
  auth: AuthOptions;
  settings: Pick<SessionOptions, (typeof SESSION_KEYS)[number]>;
  got: OptionsInit;
} {
  const { auth, got } = splitAuthOptions(options);
  const rest: Record<string, unknown> = got;
  const settings: Record<string, unknown> = {};
  for (const key of SESSION_KEYS) {
    if (key in rest) {
      settings[key] = rest[key];
      delete rest[key];
    }
  }
  return { auth, settings, got: rest as OptionsInit };
}

/** Throw `TypeError` for option combinations that cannot be honoured. */
export function validateAuthOptions(options: AuthOptions): void {
  if (options.forceNoauth && options.failIfNoauth) {
    throw new TypeError("cannot select both forceNoauth and failIfNoauth");
  }
  const { token } = options;
  if (
    token !== undefined &&
    token !== null &&
    typeof token !== "boolean" &&
    typeof token !== "string" &&
    !(token instanceof Uint8Array) &&
    !(
      typeof token === "object" &&
      typeof (token as { serialized?: unknown }).serialized === "string"
    )
  ) {
    throw new TypeError("token must be a SciToken, a serialised token, a boolean or null");
  }
  const { cert } = options;
  if (
    cert !== undefined &&
    cert !== null &&
    typeof cert !== "boolean" &&
    typeof cert !== "string" &&
    !(Array.isArray(cert) && cert.length === 2 && cert.every((p) => typeof p === "string"))
  ) {
    throw new TypeError("cert must be a path, a [cert, key] pair of paths, a boolean or null");
  }
}
