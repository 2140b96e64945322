import type { Got } from "got";
import { hideOptionSecrets } from "../lib/redact.js";
import { PAGINATION_CHAIN, PaginationChain } from "./hop-state.js";

type Paginate = Got["paginate"];
type PaginateArgs = [url?: unknown, options?: unknown];

function isUrlInput(value: unknown): boolean {
  return typeof value === "string" || value instanceof URL;
}

/** Options for one `paginate` call, with a fresh chain shared by all of its pages. */
function withChain(options: unknown): object {
  const given = (options ?? {}) as { context?: object };
  return { ...given, context: { ...given.context, [PAGINATION_CHAIN]: new PaginationChain() } };
}

function chainArgs([url, options]: PaginateArgs): PaginateArgs {
  // paginate(options) as well as paginate(url, options)
  return isUrlInput(url) || url === undefined
    ? [url, withChain(options)]
    : [withChain(url), options];
}

function paginateAsChain(paginate: Paginate): Paginate {
  const original = paginate as unknown as ((...args: PaginateArgs) => unknown) & {
    all: (...args: PaginateArgs) => unknown;
  };
  const each = (...args: PaginateArgs) => original(...chainArgs(args));
  const all = (...args: PaginateArgs) => original.all(...chainArgs(args));
  return Object.assign(each, { each, all }) as unknown as Paginate;
}

/**
 * Make a session's got instance safe to print and to paginate with: its defaults show no
 * credential a caller passed as got options (`util.inspect`, `JSON.stringify`), every page
 * of `paginate` is a hop of one chain for the origin guard (a next page on another origin
 * gets no credential of the first), and instances made by its `extend` are protected the
 * same way.
 */
export function protectGot(instance: Got): Got {
  hideOptionSecrets(instance.defaults.options);
  const extend = instance.extend;
  instance.extend = ((...args: Parameters<Got["extend"]>) =>
    protectGot(extend(...args))) as Got["extend"];
  instance.paginate = paginateAsChain(instance.paginate);
  return instance;
}
