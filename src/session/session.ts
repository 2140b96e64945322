import { inspect } from "node:util";
import got, { type CancelableRequest, type ExtendOptions, type Got, type Method } from "got";
import { container, inject, injectAll, injectable } from "../lib/di.js";
import { IgwnAuthError } from "../lib/errors.js";
import { getNetrcAuth } from "../netrc/netrc.js";
import { ScitokenDiscovery } from "../scitokens/discovery-cache.js";
import { SciToken } from "../scitokens/token.js";
import { NetrcBasicStrategy } from "../strategies/netrc-basic.js";
import { ScitokenStrategy } from "../strategies/scitoken.js";
import type { AuthStrategy } from "../strategies/types.js";
import { type X509CredentialPath, X509Strategy } from "../strategies/x509.js";
import { hasTokenCandidate } from "./has-token-candidate.js";
import { REQUEST_AUTH, RequestAuth } from "./hop-state.js";
import {
  type AuthOptions,
  type BasicAuthInput,
  type RequestOptions,
  type SessionOptions,
  splitAuthOptions,
  splitSessionOptions,
} from "./options.js";
import { createOriginGuardHooks } from "./origin-guard.js";
import { protectGot } from "./protect-got.js";
import type { RequestFunction, RequestShortcut } from "./request-types.js";
import { type AuthPlan, AuthResolver } from "./resolver.js";
import { scrubbingHandler } from "./scrubbing-handler.js";
import { AUTH_STRATEGIES, injectedOptions, injectedStrategies, SESSION_OPTIONS } from "./tokens.js";
import { canonicalHeaderRequest } from "./wire-headers.js";

/**
 * Unattended batch jobs must not hang on a dead server: give up when a connection or its
 * TLS handshake takes over 30 s, or when 5 minutes pass between sending a request and the
 * first byte of its response. got's `timeout` option overrides them. The first two cost
 * nothing on a reused connection; got's `socket` (idle) timeout is left out because it
 * re-arms a socket timer on every request, the costliest of got's timeouts (about 10 µs).
 */
const DEFAULT_TIMEOUT = { connect: 30_000, secureConnect: 30_000, response: 300_000 };

/**
 * HTTP methods a {@link Session} offers as shortcuts.
 *
 * @category Session
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

function rootStrategies(): AuthStrategy[] {
  return container.isRegistered(AUTH_STRATEGIES, true)
    ? (injectedStrategies(container.resolveAll(AUTH_STRATEGIES)) ?? [])
    : [];
}

/**
 * An HTTP client (got 14) with IGWN auth: every request carries the right credential —
 * a SciTokens bearer token discovered per request, an X.509 (proxy) certificate, or
 * netrc basic auth — and none is ever sent to another origin after a redirect.
 *
 * Resolution order: `forceNoauth` → nothing; X.509 (explicit or discovered) always
 * attached when found; explicit `auth`, else bearer tokens unless `token: false`, else
 * netrc; `failIfNoauth` fails when nothing is usable.
 *
 * @example
 * ```ts
 * import { Session } from "igwn-auth-utils";
 * const session = new Session({ url: "https://datafind.example.org" });
 * const res = await session.get("https://datafind.example.org/api/v1/data");
 * console.log(res.statusCode, res.body);
 * ```
 * @category Session
 */
@injectable()
export class Session {
  /** The got instance, extended with this session's auth hooks. */
  readonly got: Got;
  readonly #options: AuthOptions;
  readonly #url: string | undefined;
  readonly #plan: AuthPlan;
  readonly #resolver: AuthResolver;
  readonly #extraStrategies: readonly AuthStrategy[];
  readonly #context: {
    tokenVerification?: SessionOptions["tokenVerification"];
    allowInsecureTransport?: boolean;
    discovery?: ScitokenDiscovery;
  };

  constructor(
    @inject(SESSION_OPTIONS) options: SessionOptions = {},
    @injectAll(AUTH_STRATEGIES) extraStrategies?: AuthStrategy[],
    @inject(AuthResolver) resolver?: AuthResolver,
  ) {
    const { auth, settings, got: gotOptions } = splitSessionOptions(injectedOptions(options));
    this.#resolver = resolver ?? container.resolve(AuthResolver);
    this.#extraStrategies = injectedStrategies(extraStrategies) ?? rootStrategies();
    this.#url = settings.url;
    this.#options = this.#resolver.withEnvironmentDefaults(auth);
    this.#context = {
      ...(settings.tokenVerification
        ? {
            tokenVerification: settings.tokenVerification,
            discovery: new ScitokenDiscovery(settings.tokenVerification),
          }
        : {}),
      allowInsecureTransport: settings.allowInsecureTransport ?? false,
    };
    this.#plan = this.#resolve(this.#options);
    if (this.#plan.failIfNoauth) this.#checkCredentialAtConstruction();

    const hooks = createOriginGuardHooks((overrides, url) => this.#planFor(overrides, url));
    this.got = protectGot(
      got.extend(
        {
          throwHttpErrors: settings.raiseForStatus ?? true,
          timeout: DEFAULT_TIMEOUT,
          request: canonicalHeaderRequest,
          handlers: [scrubbingHandler],
        },
        gotOptions as ExtendOptions,
        { hooks },
      ),
    );
  }

  #resolve(options: AuthOptions): AuthPlan {
    return this.#resolver.resolve(options, {
      ...this.#context,
      extraStrategies: this.#extraStrategies,
    });
  }

  /** The plan for one request: the session's, or the session's merged with overrides. */
  #planFor(overrides: AuthOptions | undefined, _url: URL): AuthPlan {
    if (!overrides) {
      if (!this.#plan.certDiscoverable) return this.#plan;
      // As the Python package: a session that found no certificate searches again for
      // every request, so a proxy created after the session was made is used.
      // Per request the candidate files are looked at again at most once a second.
      const { cert } = this.#resolver.resolveCertificate(null, { fileCheckMs: 1000 });
      if (!cert) return this.#plan;
      return {
        ...this.#plan,
        cert,
        strategies: [new X509Strategy(cert), ...this.#plan.strategies],
      };
    }
    const merged: AuthOptions = { ...this.#options, ...overrides };
    if ("forceNoauth" in overrides || "failIfNoauth" in overrides) {
      merged.forceNoauth = overrides.forceNoauth ?? false;
      merged.failIfNoauth = overrides.failIfNoauth ?? false;
    }
    if (overrides.cert === undefined) {
      merged.cert = this.#plan.cert ?? (this.#options.cert === false ? false : null);
    }
    return this.#resolve(merged);
  }

  /**
   * `failIfNoauth` at construction: without a request there is no audience to verify a
   * token for, so a token counts when one could be discovered; requests check again.
   */
  #checkCredentialAtConstruction(): void {
    const plan = this.#plan;
    if (plan.cert) return;
    const strategy = plan.strategy;
    if (strategy instanceof ScitokenStrategy) {
      if (strategy.explicit || hasTokenCandidate()) return;
    } else if (strategy instanceof NetrcBasicStrategy) {
      if (this.#url && strategy.credentialsFor(this.#url)) return;
    } else if (strategy) {
      return;
    }
    if (plan.strategies.length > (strategy ? 1 : 0)) return; // a container strategy
    throw new IgwnAuthError("no valid authorisation credentials found");
  }

  /** The X.509 credential presented: a path, a `[cert, key]` pair, or `null`. */
  get cert(): X509CredentialPath | null {
    return this.#plan.cert;
  }

  /**
   * The resolved auth: a {@link ScitokenStrategy}, the basic credentials (explicit, or
   * from netrc for the session `url`), a custom strategy, or `null`.
   */
  get auth(): ScitokenStrategy | BasicAuthInput | AuthStrategy | [string, string] | null {
    const { strategy, explicitAuth } = this.#plan;
    if (explicitAuth) return explicitAuth;
    if (strategy instanceof NetrcBasicStrategy) {
      return this.#url ? getNetrcAuth(this.#url) : null;
    }
    return strategy;
  }

  /** The token in use when one was given as a {@link SciToken} object, else `null`. */
  get token(): SciToken | null {
    const token = this.#options.token;
    return token instanceof SciToken && !this.#options.forceNoauth ? token : null;
  }

  /** The session `url` (where no request URL exists yet). */
  get url(): string | undefined {
    return this.#url;
  }

  /**
   * A new got instance with this session's auth hooks merged with `instanceOrOptions`
   * (got's own `extend`: hooks concatenate, this session's first).
   *
   * @example
   * ```ts
   * const api = session.extend({ prefixUrl: "https://gwosc.example.org/api", responseType: "json" });
   * const body = await api.get("v2/events").json();
   * ```
   */
  extend(...instancesOrOptions: Array<Got | ExtendOptions>): Got {
    return this.got.extend(...instancesOrOptions);
  }

  /**
   * Make a request. `options` take auth overrides for this request only (`token`,
   * `tokenAudience`, `tokenScope`, `tokenIssuer`, `cert`, `auth`, `forceNoauth`,
   * `failIfNoauth`), `raiseForStatus`, and any got option; the result is typed by
   * `responseType` and `resolveBodyOnly` as got types it.
   *
   * @example
   * ```ts
   * const res = await session.request("GET", url, { token: false, timeout: { request: 10_000 } });
   * ```
   */
  declare readonly request: RequestFunction<RequestOptions>;
  /** `GET` — see {@link Session.request}. */
  declare readonly get: RequestShortcut<RequestOptions>;
  /** `POST` — see {@link Session.request}. */
  declare readonly post: RequestShortcut<RequestOptions>;
  /** `PUT` — see {@link Session.request}. */
  declare readonly put: RequestShortcut<RequestOptions>;
  /** `PATCH` — see {@link Session.request}. */
  declare readonly patch: RequestShortcut<RequestOptions>;
  /** `DELETE` — see {@link Session.request}. */
  declare readonly delete: RequestShortcut<RequestOptions>;
  /** `HEAD` — see {@link Session.request}. */
  declare readonly head: RequestShortcut<RequestOptions>;

  /** The one implementation behind {@link Session.request} and the method shortcuts. */
  #request(method: string, url: string | URL, options?: RequestOptions): CancelableRequest {
    if (options === undefined) {
      return this.got(url, { method: method.toUpperCase() as Method }) as CancelableRequest;
    }
    const { auth, got: gotOptions } = splitAuthOptions(options);
    const { raiseForStatus, ...init } = gotOptions as RequestOptions & Record<string, unknown>;
    init.method = method.toUpperCase() as Method;
    // The Python name, per request as per session; got calls it throwHttpErrors.
    if (raiseForStatus !== undefined) init.throwHttpErrors = raiseForStatus;
    if (Object.keys(auth).length > 0) {
      // got copies context from request to request and hop to hop: the overrides ride on it.
      init.context = { ...(gotOptions.context as object), [REQUEST_AUTH]: new RequestAuth(auth) };
    }
    return this.got(url, init as never) as unknown as CancelableRequest;
  }

  static {
    const methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;
    const define = (name: string, value: unknown) =>
      Object.defineProperty(Session.prototype, name, { value, writable: true, configurable: true });
    define(
      "request",
      function request(this: Session, method: string, url: string | URL, options?: RequestOptions) {
        return this.#request(method, url, options);
      },
    );
    for (const method of methods) {
      define(
        method.toLowerCase(),
        function shortcut(this: Session, url: string | URL, options?: RequestOptions) {
          return this.#request(method, url, options);
        },
      );
    }
  }

  /** A summary for `JSON.stringify`: the URL, certificate path and strategy names, no secret. */
  toJSON(): object {
    const strategy = this.#plan.strategy;
    return {
      url: this.#url,
      cert: this.#plan.cert,
      auth: strategy ? strategy.name : null,
      strategies: this.#plan.strategies.map((s) => s.name),
    };
  }

  /** What `util.inspect` and `console.log` show: {@link Session.toJSON}. */
  [inspect.custom](): string {
    return `Session ${inspect(this.toJSON())}`;
  }
}
