import type { CancelableRequest, Response } from "got";
import { type RequestOptions, type SessionOptions, splitSessionOptions } from "./options.js";
import { Session } from "./session.js";

/** Options of a module-level request: a request's options, plus an optional session. */
export interface ModuleRequestOptions
  extends RequestOptions,
    Pick<SessionOptions, "raiseForStatus" | "tokenVerification" | "allowInsecureTransport"> {
  /** Use this session instead of making a one-off one. */
  session?: Session;
}

/**
 * Make one request with IGWN auth: a one-off {@link Session} is made with the auth
 * options of `options` and `url` as its `url` (or `options.session` is used).
 *
 * @example
 * ```ts
 * import { request } from "igwn-auth-utils";
 * const res = await request("GET", "https://datafind.example.org/api/v1/data", { tokenScope: "read:/" });
 * ```
 */
export function request(
  method: string,
  url: string | URL,
  options: ModuleRequestOptions = {},
): CancelableRequest<Response<string>> {
  const { session, ...rest } = options;
  if (session) return session.request(method, url, rest);
  const { auth, settings, got } = splitSessionOptions(rest);
  let oneOff: Session;
  try {
    oneOff = new Session({ ...auth, ...settings, url: String(url) });
  } catch (err) {
    // Every failure of a request, option errors included, arrives as a rejection.
    return Promise.reject(err) as CancelableRequest<Response<string>>;
  }
  return oneOff.request(method, url, got);
}

/** `GET` with IGWN auth — see {@link request}. */
export function get(url: string | URL, options?: ModuleRequestOptions) {
  return request("GET", url, options);
}

/** `POST` with IGWN auth — see {@link request}. */
export function post(url: string | URL, options?: ModuleRequestOptions) {
  return request("POST", url, options);
}

/** `PUT` with IGWN auth — see {@link request}. */
export function put(url: string | URL, options?: ModuleRequestOptions) {
  return request("PUT", url, options);
}

/** `PATCH` with IGWN auth — see {@link request}. */
export function patch(url: string | URL, options?: ModuleRequestOptions) {
  return request("PATCH", url, options);
}

/** `HEAD` with IGWN auth — see {@link request}. */
export function head(url: string | URL, options?: ModuleRequestOptions) {
  return request("HEAD", url, options);
}

/** `DELETE` with IGWN auth — see {@link request}; exported as `delete`. */
export function del(url: string | URL, options?: ModuleRequestOptions) {
  return request("DELETE", url, options);
}
