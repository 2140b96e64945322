import { type RequestOptions, type SessionOptions, splitSessionOptions } from "./options.js";
import type { RequestFunction, RequestShortcut } from "./request-types.js";
import { Session } from "./session.js";

/**
 * Options of a module-level request: a request's options, plus an optional session.
 *
 * @category Session
 */
export interface ModuleRequestOptions
  extends RequestOptions,
    Pick<SessionOptions, "raiseForStatus" | "tokenVerification" | "allowInsecureTransport"> {
  /** Use this session instead of making a one-off one. */
  session?: Session;
}

/**
 * Make one request with IGWN auth: a one-off {@link Session} is made with the auth
 * options of `options` and `url` as its `url` (or `options.session` is used). Typed by
 * `responseType` and `resolveBodyOnly` as got types it.
 *
 * @example
 * ```ts
 * import { request } from "igwn-auth-utils";
 * const res = await request("GET", "https://datafind.example.org/api/v1/data", { tokenScope: "read:/" });
 * ```
 * @category Session
 */
export const request = ((method: string, url: string | URL, options: ModuleRequestOptions = {}) => {
  const { session, ...rest } = options;
  if (session) return session.request(method, url, rest);
  const { auth, settings, got } = splitSessionOptions(rest);
  let oneOff: Session;
  try {
    oneOff = new Session({ ...auth, ...settings, url: String(url) });
  } catch (err) {
    // Every failure of a request, option errors included, arrives as a rejection.
    return Promise.reject(err);
  }
  return oneOff.request(method, url, got);
}) as RequestFunction<ModuleRequestOptions>;

function shortcut(method: string): RequestShortcut<ModuleRequestOptions> {
  return ((url: string | URL, options?: ModuleRequestOptions) =>
    request(method, url, options)) as RequestShortcut<ModuleRequestOptions>;
}

/**
 * `GET` with IGWN auth — see {@link request}.
 *
 * @category Session
 */
export const get = shortcut("GET");

/**
 * `POST` with IGWN auth — see {@link request}.
 *
 * @category Session
 */
export const post = shortcut("POST");

/**
 * `PUT` with IGWN auth — see {@link request}.
 *
 * @category Session
 */
export const put = shortcut("PUT");

/**
 * `PATCH` with IGWN auth — see {@link request}.
 *
 * @category Session
 */
export const patch = shortcut("PATCH");

/**
 * `HEAD` with IGWN auth — see {@link request}.
 *
 * @category Session
 */
export const head = shortcut("HEAD");

/**
 * `DELETE` with IGWN auth — see {@link request}; exported as `delete`.
 *
 * @category Session
 */
export const del = shortcut("DELETE");
