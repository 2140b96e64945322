import { debug } from "../lib/debug.js";
import { lookupNetrcAuth } from "../netrc/netrc.js";
import { basicAuthorizationHeader } from "./basic.js";
import { isOriginalOrigin } from "./hop.js";
import { mayUseTransport } from "./transport.js";
import type { AuthRequest, AuthStrategy } from "./types.js";

/**
 * HTTP basic auth from the user's netrc file (`$NETRC` or `~/.netrc`), looked up for the
 * host of every hop — so a redirect to another origin (or a next page there) gets that
 * host's own `machine` entry, or nothing: the `default` entry serves only the origin of the
 * request the caller made.
 * A Session uses it only when `token: false` and no `auth` is given.
 *
 * @example
 * ```ts
 * const session = new Session({ token: false, auth: new NetrcBasicStrategy() });
 * ```
 * @category Strategies and DI
 */
export class NetrcBasicStrategy implements AuthStrategy {
  /** Always `"netrc"`. */
  readonly name = "netrc";
  /** Looks credentials up per host, so the origin guard may ask it about any hop. */
  readonly hostScoped = true;
  readonly #allowInsecureTransport: boolean;
  /** The last header made, and from what: the same entry serves request after request. */
  #header: { login: string; password: string; value: string } | undefined;

  constructor(options: { allowInsecureTransport?: boolean } = {}) {
    this.#allowInsecureTransport = options.allowInsecureTransport ?? false;
  }

  /**
   * The `[login, password]` netrc holds for a URL's host, or `null`; without `useDefault`,
   * only a `machine` entry for that host counts.
   */
  credentialsFor(url: string | URL, useDefault = true): [login: string, password: string] | null {
    // Looked at every hop; an edit to the file is noticed within a second.
    return lookupNetrcAuth(url, { statEveryMs: 1000, useDefault });
  }

  authorize(request: AuthRequest): void {
    const credentials = this.credentialsFor(request.url, isOriginalOrigin(request));
    if (!credentials) {
      debug("netrc: no entry for %s", request.url.hostname);
      return;
    }
    if (
      !mayUseTransport(
        request.url,
        { kind: "netrc password", explicit: false },
        this.#allowInsecureTransport,
      )
    ) {
      return;
    }
    debug("netrc: basic auth for %s", request.url.hostname);
    request.headers.authorization = this.#headerFor(credentials[0], credentials[1]);
  }

  #headerFor(login: string, password: string): string {
    const last = this.#header;
    if (last?.login === login && last.password === password) return last.value;
    const value = basicAuthorizationHeader(login, password);
    this.#header = { login, password, value };
    return value;
  }
}
