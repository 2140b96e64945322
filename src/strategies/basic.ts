import { inspect } from "node:util";
import { isOriginalOrigin } from "./hop.js";
import { mayUseTransport } from "./transport.js";
import type { AuthRequest, AuthStrategy } from "./types.js";

/**
 * `username:password` credentials for HTTP basic auth.
 *
 * @category Strategies and DI
 */
export interface BasicCredentials {
  /** The user name. */
  readonly username: string;
  /** The password: a secret, never logged. */
  readonly password: string;
}

const REDACTED_PASSWORD = "[redacted]";

function hidden(value: unknown): PropertyDescriptor {
  return { value, enumerable: false, configurable: false, writable: false };
}

/**
 * Explicit basic credentials as a caller gave them (`[username, password]` or
 * `{ username, password }`), in a copy that works the same — index, destructure, read
 * `.password` — but prints its password as `[redacted]` in `util.inspect`, `JSON.stringify`
 * and `String()`. What a session and a resolver plan hand back as `auth`.
 */
export function withHiddenPassword<T extends readonly [string, string] | BasicCredentials>(
  credentials: T,
): T {
  if (Array.isArray(credentials)) {
    const [username, password] = credentials as readonly [string, string];
    const copy = [username, password] as unknown as T;
    const shown = [username, REDACTED_PASSWORD];
    Object.defineProperties(copy, {
      toJSON: hidden(() => shown),
      toString: hidden(() => shown.join(",")),
      [inspect.custom]: hidden(() => `[ ${inspect(username)}, ${REDACTED_PASSWORD} ]`),
    });
    return Object.freeze(copy);
  }
  const { username, password } = credentials as BasicCredentials;
  const copy = { username } as BasicCredentials;
  Object.defineProperty(copy, "password", hidden(password));
  Object.defineProperty(
    copy,
    inspect.custom,
    hidden(() => `{ username: ${inspect(username)}, password: ${REDACTED_PASSWORD} }`),
  );
  return Object.freeze(copy) as T;
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
 * @category Strategies and DI
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
