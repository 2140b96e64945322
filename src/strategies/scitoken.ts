import { inspect } from "node:util";
import { debug, debugEnabled } from "../lib/debug.js";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { requestAudience } from "../scitokens/audience.js";
import type { DeserializeOptions } from "../scitokens/deserialize.js";
import { explainScitokenDiscovery, type ScitokenCandidateReport } from "../scitokens/discover.js";
import {
  type DiscoveredScitoken as DiscoveredToken,
  ScitokenDiscovery,
} from "../scitokens/discovery-cache.js";
import { tokenAuthorizationHeader } from "../scitokens/header.js";
import { SciToken } from "../scitokens/token.js";
import { isOriginalOrigin } from "./hop.js";
import { mayUseTransport } from "./transport.js";
import type { AuthRequest, AuthStrategy } from "./types.js";

/**
 * How a {@link ScitokenStrategy} finds its token.
 *
 * @category Strategies and DI
 */
export interface ScitokenStrategyOptions {
  /**
   * A token object or serialised token (used as is), `true` (discover, and fail the
   * request when none is valid) or `undefined`/`null` (discover, move on if none).
   */
  token?: SciToken | string | Uint8Array | boolean | null;
  /**
   * `aud` to require when discovering; default: the request URL's audience (see
   * {@link ScitokenStrategy.audienceFor}).
   */
  audience?: string | string[];
  /** Scope(s) to require when discovering. */
  scope?: string | string[];
  /** Issuer(s) to accept when discovering. */
  issuer?: string | string[];
  /** Seconds a discovered token must still be valid for (default 60). */
  timeleft?: number;
  /** How discovered tokens are verified (keys, issuer CA, timeouts). */
  verification?: DeserializeOptions;
  /** Send a discovered token over plain HTTP to a non-loopback host. Default `false`. */
  allowInsecureTransport?: boolean;
  /**
   * The discovery cache to use; by default one shared per process.
   * @internal
   */
  discovery?: ScitokenDiscovery;
}

let sharedDiscovery: ScitokenDiscovery | undefined;

function toList(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? [...value] : [value];
}

/**
 * Bearer-token (SciToken / WLCG token) auth. An explicit token is sent as is; otherwise a
 * token is discovered for each request's audience (see {@link findScitoken}) through a
 * cache that notices a token renewed on disk. Tokens go only to the origin of the request
 * the caller made, never to a redirect target elsewhere.
 *
 * @example
 * ```ts
 * const session = new Session({
 *   auth: new ScitokenStrategy({ token: true, scope: "read:/frames" }),
 * });
 * ```
 * @category Strategies and DI
 */
export class ScitokenStrategy implements AuthStrategy {
  /** Always `"scitoken"`. */
  readonly name = "scitoken";
  /** The token setting: an explicit token, `true`, or `null` for best-effort discovery. */
  readonly token: SciToken | string | boolean | null;
  /** The audiences discovery requires; `undefined`: each request URL's own. */
  readonly audience: string[] | undefined;
  /** The scopes discovery requires; `undefined`: any. */
  readonly scope: string[] | undefined;
  /** The issuers discovery accepts; `undefined`: any. */
  readonly issuer: string[] | undefined;
  /** Seconds a discovered token must still be valid for. */
  readonly timeleft: number;
  readonly #header: string | undefined;
  readonly #allowInsecureTransport: boolean;
  readonly #verification: DeserializeOptions | undefined;
  #discovery: ScitokenDiscovery | undefined;
  /** What discovery is asked besides the audience: fixed for this strategy. */
  readonly #claims: { issuer?: string[]; timeleft: number };
  /** The audience of the last request URL (most sessions talk to one host). */
  #lastAudience: { protocol: string; host: string; audience: string[] } | undefined;
  /** The header for the last token sent: the same token serves request after request. */
  #lastHeader: { token: SciToken; value: string } | undefined;

  constructor(options: ScitokenStrategyOptions = {}) {
    const token =
      options.token instanceof Uint8Array
        ? Buffer.from(options.token).toString("utf8")
        : options.token;
    this.token = token ?? null;
    this.audience = toList(options.audience);
    this.scope = toList(options.scope);
    this.issuer = toList(options.issuer);
    this.timeleft = options.timeleft ?? 60;
    this.#allowInsecureTransport = options.allowInsecureTransport ?? false;
    this.#verification = options.verification;
    this.#discovery = options.discovery;
    this.#claims = { ...(this.issuer ? { issuer: this.issuer } : {}), timeleft: this.timeleft };
    if (token instanceof SciToken || typeof token === "string") {
      this.#header = tokenAuthorizationHeader(token);
    }
  }

  /** Whether this strategy sends a token it was given rather than one it discovers. */
  get explicit(): boolean {
    return this.#header !== undefined;
  }

  /**
   * The audience discovery requires for a URL: the configured one, else the URL's own —
   * `scheme://host`, plus `scheme://host:port` when the URL names a port that is not the
   * scheme's default (a token for `https://host:8443` is for that request too).
   *
   * @example
   * ```ts
   * new ScitokenStrategy().audienceFor("https://xrootd.example.org:1094/frames");
   * // ["https://xrootd.example.org", "https://xrootd.example.org:1094"]
   * ```
   */
  audienceFor(url: string | URL | undefined): string[] | undefined {
    if (this.audience) return this.audience;
    if (url === undefined) return undefined;
    return requestAudience(url);
  }

  /**
   * Discover the token this strategy would send to `url` (`undefined` when none is valid).
   * Explicit tokens are not looked up.
   */
  async find(url?: string | URL): Promise<DiscoveredToken | undefined> {
    return this.#lookup(url);
  }

  #lookup(url?: string | URL): DiscoveredToken | undefined | Promise<DiscoveredToken | undefined> {
    if (!this.#discovery) {
      if (this.#verification) {
        this.#discovery = new ScitokenDiscovery(this.#verification);
      } else {
        sharedDiscovery ??= new ScitokenDiscovery();
        this.#discovery = sharedDiscovery;
      }
    }
    return this.#discovery.lookup(this.#audienceOf(url) ?? ["ANY"], this.scope, this.#claims);
  }

  /**
   * Every token discovery looks at for `url`, in order, and why each was taken or passed
   * over: what an error's explanation lists. Not the hot path: it reads and verifies again.
   *
   * @internal
   */
  explainDiscovery(url: URL): Promise<ScitokenCandidateReport[]> {
    return explainScitokenDiscovery(this.#audienceOf(url) ?? ["ANY"], this.scope, {
      ...this.#verification,
      ...this.#claims,
    });
  }

  /** {@link audienceFor}, the same array again for the same scheme, host and port. */
  #audienceOf(url?: string | URL): string[] | undefined {
    if (this.audience || !(url instanceof URL)) return this.audienceFor(url);
    const last = this.#lastAudience;
    // `host` carries the port when it is not the scheme's default: the port is part of
    // the audience then.
    if (last?.protocol === url.protocol && last.host === url.host) return last.audience;
    const audience = this.audienceFor(url) as string[];
    this.#lastAudience = { protocol: url.protocol, host: url.host, audience };
    return audience;
  }

  /** Synchronous for an explicit token and a warm discovery cache (the hot path). */
  authorize(request: AuthRequest): void | Promise<void> {
    if (this.token === false || !isOriginalOrigin(request)) return;
    if (this.#header !== undefined) {
      if (
        mayUseTransport(
          request.url,
          { kind: "token", explicit: true },
          this.#allowInsecureTransport,
        )
      ) {
        request.headers.authorization = this.#header;
      }
      return;
    }
    if (
      !mayUseTransport(
        request.url,
        { kind: "token", explicit: false },
        this.#allowInsecureTransport,
      )
    ) {
      if (this.token === true) {
        throw new IgwnAuthError(
          `refusing to send a discovered token over plain HTTP to ${request.url.host} (set allowInsecureTransport to allow it)`,
          { code: ErrorCode.INSECURE_TRANSPORT },
        );
      }
      return;
    }
    const found = this.#lookup(request.url);
    return found instanceof Promise
      ? found.then((token) => this.#send(request, token))
      : this.#send(request, found);
  }

  #send(request: AuthRequest, found: DiscoveredToken | undefined): void {
    if (!found) {
      if (this.token === true) {
        const audience = this.audienceFor(request.url)?.join(", ");
        throw new IgwnAuthError(
          `could not find a valid SciToken for audience ${audience}${this.scope ? ` and scope ${this.scope.join(" ")}` : ""}`,
          { code: ErrorCode.NO_CREDENTIAL },
        );
      }
      if (debugEnabled()) {
        const rejected = this.#discovery?.rejected(
          this.#audienceOf(request.url) ?? ["ANY"],
          this.scope,
          this.#claims,
        );
        if (rejected && rejected.length > 0) {
          debug(
            "scitoken: no valid token for %s: found and rejected %s",
            request.url.origin,
            rejected.join("; "),
          );
        } else {
          debug(
            "scitoken: no token for %s: no candidate (none set or on disk)",
            request.url.origin,
          );
        }
      }
      return;
    }
    debug("scitoken: using token from %s for %s", found.source, request.url.host);
    let header = this.#lastHeader;
    if (header?.token !== found.token) {
      header = { token: found.token, value: tokenAuthorizationHeader(found.token) };
      this.#lastHeader = header;
    }
    request.headers.authorization = header.value;
  }

  /** The settings for `JSON.stringify`; an explicit token shows as `[redacted]`. */
  toJSON(): object {
    return {
      name: this.name,
      token: this.explicit ? "[redacted]" : this.token,
      audience: this.audience,
      scope: this.scope,
      issuer: this.issuer,
    };
  }

  /** What `util.inspect` shows: {@link ScitokenStrategy.toJSON}. */
  [inspect.custom](): string {
    return `ScitokenStrategy ${inspect(this.toJSON())}`;
  }
}
