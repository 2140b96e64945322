// The state of one request as the origin guard keeps it on got's context: shared by every
// hop, retry and (for pagination) page, and read by the redactor and the explanation of a
// failure. Internal.
import { inspect } from "node:util";
import { originOf } from "../lib/origin.js";
import { REQUEST_SECRETS, type RequestSecrets } from "../lib/redact.js";
import type { AuthStrategy } from "../strategies/types.js";
import type { AuthOptions } from "./options.js";
import type { AuthPlan } from "./resolver.js";

/** Context key under which a request carries its auth overrides through got. */
export const REQUEST_AUTH = Symbol("igwn-auth-utils.requestAuth");
/** Context key of a page of `paginate`: every page of one pagination shares a chain. */
export const PAGINATION_CHAIN = Symbol("igwn-auth-utils.paginationChain");
// The hop state is what the redactor reads to learn which headers strategies wrote.
export const HOP_STATE = REQUEST_SECRETS;

export type HeaderValue = string | string[];
/** Headers strategies wrote: name, value, and the strategy (to explain a failure). */
export type WrittenValues = Array<readonly [name: string, value: HeaderValue, by: AuthStrategy]>;

/**
 * The pages of one `session.got.paginate` call: a next page is another request to got, but
 * for credentials it is a hop of the same chain — a page on another origin is treated like
 * a cross-origin redirect.
 */
export class PaginationChain {
  /** The first page's URL: the origin the caller asked for. */
  firstUrl: URL | undefined;
  /** Headers strategies wrote on the first page's origin: never replayed elsewhere. */
  readonly originalValues: WrittenValues = [];
  /** Set once a page (or a redirect of one) left the first page's origin, as for redirects. */
  leftOrigin = false;

  toJSON(): string {
    return "[pagination]";
  }
  [inspect.custom](): string {
    return "PaginationChain [redacted]";
  }
}

/** A request's auth overrides, kept out of logs and JSON (they may hold a token). */
export class RequestAuth {
  constructor(readonly options: AuthOptions) {}
  toJSON(): string {
    return "[auth options]";
  }
  [inspect.custom](): string {
    return "RequestAuth [redacted]";
  }
}

/** Per-request state shared by every hop and retry of one request. */
export class HopState implements RequestSecrets {
  leftOrigin = false;
  /** Set once a hop went from https to http: no credential goes on such a chain again. */
  downgraded = false;
  previousUrl: URL | undefined = undefined;
  /** The last hop's URL and origin (scheme, host and port). */
  lastUrl: URL;
  lastOrigin: string;
  readonly originalOrigin: string;
  /** Header names strategies wrote on the last hop: removed before the next one. */
  applied: string[] = [];
  /**
   * Headers strategies wrote on original-origin hops: never replayed elsewhere. A list, not
   * a set: hashing a token on every request costs more than the rare lookup on a redirect.
   */
  readonly originalValues: WrittenValues;
  /** Headers host-scoped strategies wrote on other origins (for the redactor only). */
  foreignValues: WrittenValues | undefined;
  /** Headers each strategy gives through `gotOptions()`, written like `authorize()`'s. */
  fixedHeaders: Map<AuthStrategy, Array<readonly [name: string, value: HeaderValue]>> | undefined;
  checkedNoauth = false;
  /** The pagination this request is a page of. */
  chain: PaginationChain | undefined = undefined;

  constructor(
    readonly plan: AuthPlan,
    readonly originalUrl: URL,
    url: URL,
    originalValues: WrittenValues = [],
  ) {
    this.originalValues = originalValues;
    this.originalOrigin = originOf(originalUrl);
    this.lastUrl = url;
    this.lastOrigin = url === originalUrl ? this.originalOrigin : originOf(url);
  }

  *secretHeaderNames(): Iterable<string> {
    for (const [name] of this.originalValues) yield name;
    for (const [name] of this.foreignValues ?? []) yield name;
  }

  *secretValues(): Iterable<string> {
    for (const [, value] of [...this.originalValues, ...(this.foreignValues ?? [])]) {
      if (typeof value === "string") yield value;
      else yield* value;
    }
  }

  secretQueryParameters(): ReadonlySet<string> | undefined {
    let names: Set<string> | undefined;
    for (const strategy of this.plan.strategies) {
      for (const name of strategy.secretQueryParameters ?? []) {
        names ??= new Set();
        names.add(name.toLowerCase());
      }
    }
    return names;
  }

  toJSON(): string {
    return "[auth state]";
  }
  [inspect.custom](): string {
    return "HopState [redacted]";
  }
}

export function sameValue(a: string | string[], b: string | string[]): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

export function wroteBefore(state: HopState, name: string, value: string | string[]): boolean {
  return state.originalValues.some(([n, v]) => n === name && sameValue(v, value));
}
