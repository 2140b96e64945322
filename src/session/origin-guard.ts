import type {
  AfterResponseHook,
  BeforeErrorHook,
  BeforeRedirectHook,
  BeforeRequestHook,
  Hooks,
  OptionsInit,
} from "got";

type HopOptions = Parameters<BeforeRequestHook>[0];

import { debug } from "../lib/debug.js";
import { IgwnAuthError } from "../lib/errors.js";
import { originOf } from "../lib/origin.js";
import { redactResponseInspection, scrubError } from "../lib/redact.js";
import type { GuardedAuthRequest } from "../strategies/hop.js";
import type { AuthStrategy } from "../strategies/types.js";
import { attachExplanation } from "./explain/attach.js";
import {
  type HeaderValue,
  HOP_STATE,
  HopState,
  PAGINATION_CHAIN,
  type PaginationChain,
  REQUEST_AUTH,
  type RequestAuth,
  wroteBefore,
} from "./hop-state.js";
import type { AuthOptions } from "./options.js";
import type { AuthPlan } from "./resolver.js";

/** One hop being guarded: its state, got's headers, and what strategies are told. */
interface Hop {
  readonly state: HopState;
  readonly headers: Headers;
  readonly request: GuardedAuthRequest;
  readonly strategies: readonly AuthStrategy[];
}

/** How the guard learns which plan a request uses. */
export type PlanForRequest = (overrides: AuthOptions | undefined, url: URL) => AuthPlan;

type Headers = Record<string, string | string[] | undefined>;

const NO_STRATEGIES: readonly AuthStrategy[] = [];

function isHostScoped(strategy: AuthStrategy): boolean {
  return (strategy as { hostScoped?: unknown }).hostScoped === true;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

const CREDENTIAL_KEYS = new Set(["certificate", "key", "passphrase"]);

// Frozen options already found to be a TLS credential: a strategy hands out the same ones
// request after request, and they cannot have changed.
const checkedCredentials = new WeakSet<object>();

function isTlsCredential(extra: OptionsInit): extra is { https: Record<string, unknown> } {
  if (checkedCredentials.has(extra)) return true;
  if (!isPemCredential(extra)) return false;
  if (Object.isFrozen(extra) && Object.isFrozen(extra.https)) checkedCredentials.add(extra);
  return true;
}

function isPemCredential(extra: OptionsInit): extra is { https: Record<string, unknown> } {
  const keys = Object.keys(extra);
  if (keys.length !== 1 || keys[0] !== "https" || !extra.https) return false;
  return Object.entries(extra.https).every(
    ([name, value]) =>
      CREDENTIAL_KEYS.has(name) && (typeof value === "string" || value === undefined),
  );
}

/**
 * Put a strategy's got options on this request. A TLS credential as PEM text (what X.509
 * gives, on every request) goes straight into this request's own copy of the `https`
 * options: got's setter validates every TLS option again, which costs more than the rest
 * of a request's auth work. Headers are kept back: they go on each hop by the same rules as
 * what `authorize()` writes. Anything else goes through got's own checks.
 */
function applyGotOptions(
  options: HopOptions,
  state: HopState,
  strategy: AuthStrategy,
  extra: OptionsInit,
): void {
  if (isTlsCredential(extra)) {
    Object.assign(options.https, extra.https);
    return;
  }
  const { headers, ...rest } = extra;
  if (headers) {
    const fixed: Array<readonly [string, HeaderValue]> = [];
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) fixed.push([name.toLowerCase(), value]);
    }
    state.fixedHeaders ??= new Map();
    state.fixedHeaders.set(strategy, fixed);
  }
  if (Object.keys(rest).length > 0) options.merge(rest);
}

/**
 * The one place that decides, per hop, which credentials go on a request. got runs
 * `beforeRequest` on every hop and retry; on each, the headers strategies wrote before
 * are removed, and the strategies are asked again for this hop's URL. A credential that
 * belonged to the original origin is never replayed to another one: once a redirect
 * leaves that origin (scheme, host or port), token and explicit credentials stay off for
 * the rest of the chain, and a strategy that writes the same value again is overruled.
 */
export function createOriginGuardHooks(planFor: PlanForRequest): Partial<Hooks> {
  const ownErrors = new WeakSet<object>();

  const markOwn = (err: unknown): never => {
    if (err && typeof err === "object") ownErrors.add(err);
    throw err;
  };
  const beforeRequest: BeforeRequestHook = (options) => {
    try {
      const pending = guardHop(options);
      // A hook's result other than undefined is taken as the response: resolve to nothing.
      return pending ? pending.catch(markOwn) : undefined;
    } catch (err) {
      return markOwn(err);
    }
  };

  /**
   * Guard one hop. Synchronous when every strategy is (an explicit token, netrc, a warm
   * token cache): no promise is made on the hot path unless a strategy needs one.
   */
  function guardHop(options: HopOptions): void | Promise<void> {
    const context = options.context as Record<symbol, unknown>;
    const url = options.url instanceof URL ? options.url : new URL(String(options.url));
    const headers = options.headers as Headers;
    let state = context[HOP_STATE] as HopState | undefined;
    if (!state) {
      state = firstHop(options, context, headers, url);
    } else {
      nextHop(state, options, headers, url);
    }

    const strategies = state.downgraded ? NO_STRATEGIES : state.plan.strategies;
    if (strategies.length === 0) return finishHop(state, url);
    const hop: Hop = {
      state,
      headers,
      request: {
        url,
        method: options.method,
        headers,
        originalUrl: state.originalUrl,
        sameOrigin: !state.leftOrigin,
        ...(state.previousUrl ? { redirectedFrom: state.previousUrl } : {}),
      },
      strategies,
    };
    return runStrategies(hop, 0);
  }

  /**
   * A request's first hop: its plan and state. A next page of `paginate` is a new request
   * to got but the next hop of one chain here: it starts out as having left the first
   * page's origin when it is elsewhere.
   */
  function firstHop(
    options: HopOptions,
    context: Record<symbol, unknown>,
    headers: Headers,
    url: URL,
  ): HopState {
    const overrides = (context[REQUEST_AUTH] as RequestAuth | undefined)?.options;
    const chain = context[PAGINATION_CHAIN] as PaginationChain | undefined;
    let state: HopState;
    if (chain) {
      chain.firstUrl ??= url;
      state = new HopState(planFor(overrides, url), chain.firstUrl, url, chain.originalValues);
      state.chain = chain;
      if (state.lastOrigin !== state.originalOrigin) {
        leaveOrigin(state, options, headers, chain.firstUrl, url);
        chain.leftOrigin = true;
      }
      // Once the pages have left the first origin, they stay off it for credentials too.
      state.leftOrigin = chain.leftOrigin;
    } else {
      state = new HopState(planFor(overrides, url), url, url);
    }
    context[HOP_STATE] = state;
    for (const strategy of state.plan.strategies) {
      const extra = strategy.gotOptions?.();
      if (extra) applyGotOptions(options, state, strategy, extra);
    }
    return state;
  }

  /** A redirect hop or a retry: take off what the last hop got, and note an origin change. */
  function nextHop(state: HopState, options: HopOptions, headers: Headers, url: URL): void {
    for (const name of state.applied) delete headers[name];
    state.applied = [];
    const origin = originOf(url);
    if (origin !== state.lastOrigin) leaveOrigin(state, options, headers, state.lastUrl, url);
    if (origin !== state.originalOrigin) {
      state.leftOrigin = true;
      if (state.chain) state.chain.leftOrigin = true;
    }
    state.lastUrl = url;
    state.lastOrigin = origin;
  }

  /** A change of origin: got strips these only on a host or port change, not on https → http. */
  function leaveOrigin(
    state: HopState,
    options: HopOptions,
    headers: Headers,
    from: URL,
    to: URL,
  ): void {
    // Node rebuilds an Authorization header from credentials written in the URL.
    delete headers.authorization;
    delete headers.cookie;
    options.username = "";
    options.password = "";
    if (from.protocol === "https:" && to.protocol === "http:") state.downgraded = true;
  }

  function runStrategies(hop: Hop, from: number): void | Promise<void> {
    const fixedHeaders = hop.state.fixedHeaders;
    for (let index = from; index < hop.strategies.length; index++) {
      const strategy = hop.strategies[index] as AuthStrategy;
      const fixed = fixedHeaders?.get(strategy);
      if (fixed && (hop.request.sameOrigin || isHostScoped(strategy))) {
        for (const [name, value] of fixed) writeHeader(hop, strategy, name, value);
      }
      // Nothing to copy or compare for a strategy that only adds got options (X.509).
      if (!strategy.authorize) continue;
      const headers: Headers = { ...hop.headers };
      const result = strategy.authorize({ ...hop.request, headers });
      if (isThenable(result)) {
        return Promise.resolve(result).then(() => {
          applyChanges(hop, strategy, headers);
          return runStrategies(hop, index + 1);
        });
      }
      applyChanges(hop, strategy, headers);
    }
    finishHop(hop.state, hop.request.url);
  }

  /**
   * Copy what a strategy changed in its private copy of the headers onto got's: names
   * lower-cased (got strips credentials case-sensitively), and a value that belonged to
   * the original origin refused on any other.
   */
  function applyChanges(hop: Hop, strategy: AuthStrategy, after: Headers): void {
    const { headers } = hop;
    for (const rawName of Object.keys(headers)) {
      if (!(rawName in after)) delete headers[rawName];
    }
    for (const rawName of Object.keys(after)) {
      const value = after[rawName];
      const name = rawName.toLowerCase();
      if (value === undefined) {
        if (headers[rawName] !== undefined) delete headers[name];
      } else if (headers[name] !== value) {
        writeHeader(hop, strategy, name, value);
      }
    }
  }

  function writeHeader(
    { state, headers, request }: Hop,
    strategy: AuthStrategy,
    name: string,
    value: string | string[],
  ): void {
    if (request.sameOrigin) {
      state.originalValues.push([name, value, strategy]);
    } else if (!isHostScoped(strategy) && wroteBefore(state, name, value)) {
      debug(
        "guard: %s did not get %s header set for %s",
        request.url.host,
        name,
        state.originalUrl.host,
      );
      return;
    } else {
      state.foreignValues ??= [];
      state.foreignValues.push([name, value, strategy]);
    }
    headers[name] = value;
    state.applied.push(name);
  }

  function finishHop(state: HopState, url: URL): void {
    if (state.checkedNoauth) return;
    state.checkedNoauth = true;
    if (state.plan.failIfNoauth && state.applied.length === 0 && !state.plan.cert) {
      throw new IgwnAuthError(
        `no valid authorisation credentials found for ${url.origin} (no X.509 credential, bearer token or basic auth)`,
      );
    }
  }

  const beforeRedirect: BeforeRedirectHook = (options, response) => {
    const state = (options.context as Record<symbol, unknown>)[HOP_STATE] as HopState | undefined;
    if (state) state.previousUrl = new URL(response.url);
  };

  const beforeError: BeforeErrorHook = async (error) => {
    const cause = error.cause;
    const own = cause && typeof cause === "object" && ownErrors.has(cause) ? cause : undefined;
    const status = error.response?.statusCode;
    // Only for a failure to authenticate, and only now: a request that succeeds pays
    // nothing for this. Read before scrubbing, which redacts the headers it reads.
    if (status === 401 || status === 403 || own instanceof IgwnAuthError) {
      const state = (error.options?.context as Record<symbol, unknown> | undefined)?.[HOP_STATE];
      if (state instanceof HopState) {
        await attachExplanation(
          own ?? error,
          state,
          error.options.headers as Headers,
          error.response,
        );
      }
    }
    scrubError(error);
    // An error our own hook threw (no credential, bad options) reaches the caller as is,
    // not wrapped in got's RequestError.
    if (own) return own as typeof error;
    return error;
  };

  // Node keeps the raw request headers on response.req: keep them out of util.inspect.
  const afterResponse: AfterResponseHook = (response) => redactResponseInspection(response);

  return {
    beforeRequest: [beforeRequest],
    beforeRedirect: [beforeRedirect],
    afterResponse: [afterResponse],
    beforeError: [beforeError],
  };
}
