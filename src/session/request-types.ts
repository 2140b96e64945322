// The call signatures of a Session's requests: got's own rules for what a request resolves
// to, carried through — `responseType: "json"` gives `Response<T>`, `"buffer"` gives
// `Response<Buffer>`, `resolveBodyOnly: true` gives the body alone; the default is text.
import type { CancelableRequest, Response } from "got";

/** A body read as text (got's default). */
interface TextBody {
  responseType?: "text";
}
/** A body parsed as JSON. */
interface JsonBody {
  responseType: "json";
}
/** A body kept as bytes. */
interface BufferBody {
  responseType: "buffer";
}
/** The whole response (the default). */
interface Wrapped {
  resolveBodyOnly?: false;
}
/** The body alone. */
interface BodyOnly {
  resolveBodyOnly: true;
}

/**
 * A request method of a {@link Session} (`get`, `post`, …) or of the module (`get`, …): a URL
 * and options, resolving to what got would for those options.
 *
 * @example
 * ```ts
 * const res = await session.get<{ events: string[] }>(url, { responseType: "json" });
 * res.body.events; // typed
 * ```
 */
export interface RequestShortcut<O> {
  (url: string | URL, options?: O & TextBody & Wrapped): CancelableRequest<Response<string>>;
  <T = unknown>(url: string | URL, options: O & JsonBody & Wrapped): CancelableRequest<Response<T>>;
  (url: string | URL, options: O & BufferBody & Wrapped): CancelableRequest<Response<Buffer>>;
  (url: string | URL, options: O & TextBody & BodyOnly): CancelableRequest<string>;
  <T = unknown>(url: string | URL, options: O & JsonBody & BodyOnly): CancelableRequest<T>;
  (url: string | URL, options: O & BufferBody & BodyOnly): CancelableRequest<Buffer>;
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
 */
export interface RequestFunction<O> {
  (
    method: string,
    url: string | URL,
    options?: O & TextBody & Wrapped,
  ): CancelableRequest<Response<string>>;
  <T = unknown>(
    method: string,
    url: string | URL,
    options: O & JsonBody & Wrapped,
  ): CancelableRequest<Response<T>>;
  (
    method: string,
    url: string | URL,
    options: O & BufferBody & Wrapped,
  ): CancelableRequest<Response<Buffer>>;
  (method: string, url: string | URL, options: O & TextBody & BodyOnly): CancelableRequest<string>;
  <T = unknown>(
    method: string,
    url: string | URL,
    options: O & JsonBody & BodyOnly,
  ): CancelableRequest<T>;
  (
    method: string,
    url: string | URL,
    options: O & BufferBody & BodyOnly,
  ): CancelableRequest<Buffer>;
  (method: string, url: string | URL, options?: O): CancelableRequest<Response>;
}
