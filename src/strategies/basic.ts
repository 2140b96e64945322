import { inspect } from "node:util";
import { isOriginalOrigin } from "./hop.js";
import { mayUseTransport } from "./transport.js";
import type { AuthRequest, AuthStrategy } from "./types.js";

/** `username:password` credentials for HTTP basic auth. */
export interface BasicCredentials {
  /** The user name. */
  readonly username: string;
  /** The password: a secret, never logged. */
  readonly password: string;
}

/** The `Authorization` value for basic credentials. */
export function basicAuthorizationHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/**
 * HTTP basic auth with credentials given explicitly (`auth: [user, password]`). They go
 * only to the origin of the request the caller made, never to a redirect target elsewhere.
 *
 * @example
 * ```ts
 * const session = new Session({ auth: new BasicAuthStrategy("albert", "secret") });
 * ```
 */
export class BasicAuthStrategy implements AuthStrategy {
  /** Always `"basic"`. */
  readonly name = "basic";
  readonly #header: string;
  /** The user name (not secret). */
  readonly username: string;
  readonly #allowInsecureTransport: boolean;

  constructor(
    username: string,
    password: string,
    options: { allowInsecureTransport?: boolean } = {},
  ) {
    this.username = username;
    this.#header = basicAuthorizationHeader(username, password);
    this.#allowInsecureTransport = options.allowInsecureTransport ?? false;
  }

  authorize(request: AuthRequest): void {
    if (!isOriginalOrigin(request)) return;
    if (
      !mayUseTransport(
        request.url,
        { kind: "password", explicit: true },
        this.#allowInsecureTransport,
      )
    ) {
      return;
    }
    request.headers.authorization = this.#header;
  }

  /** The user name for `JSON.stringify`; the password shows as `[redacted]`. */
  toJSON(): object {
    return { name: this.name, username: this.username };
  }

  /** What `util.inspect` shows: {@link BasicAuthStrategy.toJSON}. */
  [inspect.custom](): string {
    return `BasicAuthStrategy { username: ${inspect(this.username)}, password: [redacted] }`;
  }
}
