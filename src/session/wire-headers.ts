// Header names as they go out on the wire. got keeps every header name in lower case, and
// Node sends names as they are given. HTTP/1.1 names are case-insensitive, but servers in
// the field are not: XrdHttp before 5.6.3 looks `Authorization` up case-sensitively for its
// `http.header2cgi` mapping (the token never reaches its token plugin: 403), and before
// 5.7.0 compares `Content-Length` and `Range` case-sensitively (a PUT stores an empty file
// and answers 200; a Range GET returns the whole file). curl and Python requests send the
// canonical forms, so this library does too.
import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { askBeforeSendingBody, mayAskBeforeSendingBody } from "./expect-continue.js";

/** Names whose canonical form is not simply each word capitalised. */
const SPECIAL_NAMES: Readonly<Record<string, string>> = {
  "content-md5": "Content-MD5",
  dnt: "DNT",
  etag: "ETag",
  te: "TE",
  "www-authenticate": "WWW-Authenticate",
  "x-xss-protection": "X-XSS-Protection",
};

// Most requests send the same handful of names: remember each one's canonical form.
const canonicalNames = new Map<string, string>();
const MAX_REMEMBERED_NAMES = 1000;

function capitalizeWords(name: string): string {
  return name
    .split("-")
    .map((word) => (word === "" ? word : word[0]?.toUpperCase() + word.slice(1).toLowerCase()))
    .join("-");
}

/**
 * The canonical form of a header name: `content-length` → `Content-Length`,
 * `www-authenticate` → `WWW-Authenticate`.
 *
 * @example
 * ```ts
 * canonicalHeaderName("authorization"); // "Authorization"
 * ```
 */
export function canonicalHeaderName(name: string): string {
  let canonical = canonicalNames.get(name);
  if (canonical === undefined) {
    const lower = name.toLowerCase();
    canonical = Object.hasOwn(SPECIAL_NAMES, lower)
      ? (SPECIAL_NAMES[lower] as string)
      : capitalizeWords(lower);
    // A caller that makes up a new header name per request must not grow this forever.
    if (canonicalNames.size < MAX_REMEMBERED_NAMES) canonicalNames.set(name, canonical);
  }
  return canonical;
}

type HeaderRecord = Record<string, string | number | string[] | undefined>;

function canonicalHeaders(headers: RequestOptions["headers"]): RequestOptions["headers"] {
  if (!headers || Array.isArray(headers)) return headers;
  const out: HeaderRecord = {};
  const record = headers as HeaderRecord;
  for (const name in record) {
    out[canonicalHeaderName(name)] = record[name];
  }
  return out;
}

type NativeRequest = (
  url: URL,
  options: RequestOptions,
  callback?: (response: IncomingMessage) => void,
) => ClientRequest;

/**
 * got's `request` option for a session: the same `http`/`https` request got would make,
 * with every header name in its canonical form. With `http2: true` it returns nothing, so
 * got falls back to its own HTTP/2 client, whose names stay lower case as HTTP/2 requires.
 */
export function canonicalHeaderRequest(
  url: URL,
  options: RequestOptions,
  callback?: (response: IncomingMessage) => void,
): ClientRequest | undefined {
  // got's native options carry an http2 agent set ({ http2 }) only for HTTP/2 requests.
  if (isHttp2(options)) return undefined;
  const native: NativeRequest = url.protocol === "https:" ? httpsRequest : httpRequest;
  const headers = options.headers as Record<string, unknown> | undefined;
  const ask = mayAskBeforeSendingBody(options.method, headers?.["content-length"]);
  // Node's strict parser refuses two answers of XrdHttp 5.5 that curl and Python take: its
  // answer to `Expect: 100-continue` ("Data after `Connection: close`"), and a 206 whose
  // Content-Range line ends with a bare LF (once it knows the file's checksum). Only those
  // requests are read leniently.
  const lenient = ask || headers?.range !== undefined;
  // got builds these native options afresh for every request (its own headers object stays
  // as it is): changing them here costs no copy of the forty options they hold.
  options.headers = canonicalHeaders(options.headers);
  if (lenient) options.insecureHTTPParser = true;
  const request = native(url, options, callback);
  if (ask) askBeforeSendingBody(request);
  return request;
}

function isHttp2(options: RequestOptions): boolean {
  const agent: unknown = options.agent;
  return typeof agent === "object" && agent !== null && "http2" in agent;
}
