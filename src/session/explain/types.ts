/**
 * A credential a request carried on the hop that failed. JSON-safe; never the credential
 * itself.
 *
 * @category Errors
 */
export type SentCredential =
  | {
      /** A bearer token. */
      readonly kind: "bearer";
      /** Where it came from: `$BEARER_TOKEN_FILE (/run/user/1000/bt_u1000)`, `the token option`. */
      readonly source: string;
      /** The token's subject. */
      readonly sub?: string;
      /** The token's audiences. */
      readonly aud?: readonly string[];
      /** The token's scope. */
      readonly scope?: string;
      /** The token's issuer. */
      readonly issuer?: string;
      /** Seconds until `exp`; absent when the token has none. */
      readonly timeLeft?: number;
    }
  | {
      /** An X.509 certificate, presented in the TLS handshake. */
      readonly kind: "x509";
      /** The certificate (or proxy) file. */
      readonly source: string;
      /** Whose it is: the subject of the user certificate behind a proxy. */
      readonly subject?: string;
      /** Whether it is an RFC 3820 proxy. */
      readonly proxy?: boolean;
      /** Seconds until it expires. */
      readonly timeLeft?: number;
      /** Why it could not be described (the file changed or went away since). */
      readonly problem?: string;
    }
  | {
      /** HTTP basic auth. */
      readonly kind: "basic";
      /** `netrc (/home/albert/.netrc)` or `the auth option`. */
      readonly source: string;
      /** The user name (never the password). */
      readonly username: string;
    }
  | {
      /** A header a custom strategy wrote. */
      readonly kind: "header";
      /** The strategy that wrote it. */
      readonly source: string;
      /** The header's name (never its value). */
      readonly name: string;
    };

/**
 * A credential that was there for the request but was not used, and why: the same reasons
 * `igwn-auth diagnose` gives.
 *
 * @category Errors
 */
export interface PassedOverCredential {
  /** What kind of credential it was. */
  readonly kind: "bearer" | "x509" | "basic";
  /** Where it was: `$SCITOKEN_FILE (/path)`, `X509_USER_PROXY (/path)`, `netrc (/path)`. */
  readonly source: string;
  /** Why it was not used, e.g. `claim 'exp': the token expired 5 min ago`. */
  readonly reason: string;
}

/**
 * What the server said about authentication: its `WWW-Authenticate` challenge.
 *
 * @category Errors
 */
export interface ServerChallenge {
  /** The header as received (control characters escaped). */
  readonly header: string;
  /** The first challenge's scheme, e.g. `Bearer`. */
  readonly scheme?: string;
  /** RFC 6750 `error`, e.g. `insufficient_scope`, `invalid_token`. */
  readonly error?: string;
  /** RFC 6750 `error_description`: the server's own words. */
  readonly errorDescription?: string;
  /** The scope the server asks for (RFC 6750 `scope`). */
  readonly scope?: string;
  /** The protection space (`realm`). */
  readonly realm?: string;
}

/**
 * Why a request was not authenticated, attached as `err.auth` to an `HTTPError` for a 401
 * or 403 and to the `IgwnAuthError` of `failIfNoauth` / `token: true`: what the request
 * sent on the hop that failed, what was passed over and why, what the server said, and what
 * to do next. JSON-safe, with no token, password or key in it; its text is also in the
 * error's message.
 *
 * @example
 * ```ts
 * try {
 *   await session.get(url);
 * } catch (err) {
 *   if (err instanceof HTTPError && err.auth) console.error(err.auth.nextSteps.join("\n"));
 * }
 * ```
 * @category Errors
 */
export interface AuthExplanation {
  /** The URL of the hop that failed, redacted. */
  readonly url: string;
  /** The HTTP status, for a response. */
  readonly status?: number;
  /** What the request carried on that hop; empty when it carried nothing. */
  readonly sent: readonly SentCredential[];
  /** Credentials that were there but were not used, and why. */
  readonly passedOver: readonly PassedOverCredential[];
  /** Why a credential the session has was not sent on that hop, when it was held back. */
  readonly heldBack: readonly string[];
  /** The server's `WWW-Authenticate`, when it sent one. */
  readonly server?: ServerChallenge;
  /** What to do next, most specific first. */
  readonly nextSteps: readonly string[];
}
