// The call signatures of a Session's requests: got's own rules for what a request resolves
// to, carried through — `responseType: "json"` gives `Response<T>`, `"buffer"` gives
// `Response<Buffer>`, `resolveBodyOnly: true` gives the body alone; the default is text.
import type { CancelableRequest, Response } from "got";

/**
 * A request method of a {@link Session} (`get`, `post`, …) or of the module (`get`, …): a URL
 * and options, resolving to what got would for those options.
 *
 * @example
 * ```ts
 * const res = await session.get<{ events: string[] }>(url, { responseType: "json" });
 * res.body.events; // typed
 * ```
 * @category Session
 */
export interface RequestShortcut<O> {
  (
    url: string | URL,
    options?: O & { responseType?: "text" } & { resolveBodyOnly?: false },
  ): CancelableRequest<Response<string>>;
  <T = unknown>(
    url: string | URL,
    options: O & { responseType: "json" } & { resolveBodyOnly?: false },
  ): CancelableRequest<Response<T>>;
  (
    url: string | URL,
    options: O & { responseType: "buffer" } & { resolveBodyOnly?: false },
  ): CancelableRequest<Response<Buffer>>;
  (
    url: string | URL,
    options: O & { responseType?: "text" } & { resolveBodyOnly: true },
  ): CancelableRequest<string>;
  <T = unknown>(
    url: string | URL,
    options: O & { responseType: "json" } & { resolveBodyOnly: true },
  ): CancelableRequest<T>;
  (
    url: string | URL,
    options: O & { responseType: "buffer" } & { resolveBodyOnly: true },
  ): CancelableRequest<Buffer>;
  (url: string | URL, options?: O): CancelableRequest<Response>;
}

/**
 * `request(method, url, options)` of a {@link Session} or of the module: as
 * {@link RequestShortcut}, with the HTTP method first.
 *
 * @example
 * ```ts
 * const res = await session.request("PUT", url, { body: data, responseType: "buffer" });
 * ```
 * @category Session
 */
export interface RequestFunction<O> {
  (
    method: string,
    url: string | URL,
    options?: O & { responseType?: "text" } & { resolveBodyOnly?: false },
  ): CancelableRequest<Response<string>>;
  <T = unknown>(
    method: string,
    url: string | URL,
    options: O & { responseType: "json" } & { resolveBodyOnly?: false },
  ): CancelableRequest<Response<T>>;
  (
    method: string,
    url: string | URL,
    options: O & { responseType: "buffer" } & { resolveBodyOnly?: false },
  ): CancelableRequest<Response<Buffer>>;
  (
    method: string,
    url: string | URL,
    options: O & { responseType?: "text" } & { resolveBodyOnly: true },
  ): CancelableRequest<string>;
  <T = unknown>(
    method: string,
    url: string | URL,
    options: O & { responseType: "json" } & { resolveBodyOnly: true },
  ): CancelableRequest<T>;
  (
    method: string,
    url: string | URL,
    options: O & { responseType: "buffer" } & { resolveBodyOnly: true },
  ): CancelableRequest<Buffer>;
  (method: string, url: string | URL, options?: O): CancelableRequest<Response>;
}
