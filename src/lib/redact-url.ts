// URLs as they may be shown: without a password in the userinfo, and without the value of a
// query parameter that carries a credential. XRootD copies the bearer token into a redirect's
// Location (`?authz=Bearer%20<token>`), as Pelican/OSDF do; OAuth puts it in `access_token`;
// a presigned S3 URL carries its signature and session token.

/** The marker that stands where a secret was. */
export const REDACTED = "[redacted]";

/** Query parameters that carry a credential wherever they appear (compared without case). */
export const SECRET_QUERY_PARAMETERS: ReadonlySet<string> = new Set([
  "authz",
  "access_token",
  "x-amz-signature",
  "x-amz-security-token",
  "x-amz-credential",
]);

/** Extra secret query parameter names, lower case (those a strategy declares). */
export type QueryParameterNames = ReadonlySet<string> | undefined;

function isSecretParameter(name: string, extra: QueryParameterNames): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name.replace(/\+/g, " "));
  } catch {
    // a malformed escape: compare the name as written
  }
  const lower = decoded.toLowerCase();
  return SECRET_QUERY_PARAMETERS.has(lower) || (extra?.has(lower) ?? false);
}

/** `a=1&authz=Bearer%20x` → `a=1&authz=[redacted]`; `undefined` when nothing changes. */
function redactQuery(query: string, extra: QueryParameterNames): string | undefined {
  let changed = false;
  const parts = query.split("&").map((part) => {
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    if (eq < 0 || !isSecretParameter(name, extra) || part.slice(eq + 1) === REDACTED) return part;
    changed = true;
    return `${name}=${REDACTED}`;
  });
  return changed ? parts.join("&") : undefined;
}

/**
 * Take the password and every credential-bearing query value out of a URL object, in place
 * (the user name stays: it says who, not how). For URLs this library holds on objects a
 * caller may print once the request is over: an error's options, its response.
 */
export function redactUrlInPlace(url: URL, extra?: QueryParameterNames): void {
  if (url.password !== "") url.password = "";
  if (url.search.length > 1) {
    const query = redactQuery(url.search.slice(1), extra);
    if (query !== undefined) url.search = `?${query}`;
  }
}

// The userinfo of a URL in text: after `scheme://`, up to the last `@` before the authority
// ends (at `/`, `?`, `#` or white space), as the URL parser reads it.
const USERINFO = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#\s]*)@/;

/**
 * A URL as text that can be shown: userinfo password and secret query values replaced by
 * `[redacted]`. Works on text that does not parse as a URL too: cutting too much from a
 * message is better than showing a password.
 *
 * @example
 * ```ts
 * redactUrl("https://alice:pw@host/f?authz=Bearer%20abc&x=1");
 * // "https://alice:[redacted]@host/f?authz=[redacted]&x=1"
 * ```
 */
export function redactUrl(url: string | URL, extra?: QueryParameterNames): string {
  let text = String(url);
  const userinfo = USERINFO.exec(text);
  if (userinfo) {
    const info = userinfo[2] as string;
    const colon = info.indexOf(":");
    const user = colon < 0 ? info : info.slice(0, colon);
    const shown = colon < 0 ? user : `${user}:${REDACTED}`;
    text = `${userinfo[1]}${shown}@${text.slice(userinfo[0].length)}`;
  }
  const question = text.indexOf("?");
  if (question < 0) return text;
  const hash = text.indexOf("#", question);
  const end = hash < 0 ? text.length : hash;
  const query = redactQuery(text.slice(question + 1, end), extra);
  return query === undefined ? text : `${text.slice(0, question + 1)}${query}${text.slice(end)}`;
}

// A URL inside free text (an error message, a stack, a log line): scheme, `//`, and every
// character up to white space, a double quote or an angle bracket — a single quote may be
// part of a password — less punctuation that ends a sentence.
const URL_IN_TEXT = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"<>`]+/g;
const TRAILING_PUNCTUATION = /[.,;:!)\]]+$/;

/**
 * Every URL in a text, redacted with {@link redactUrl}; the rest of the text as it is.
 *
 * @example
 * ```ts
 * redactUrlsInText("GET https://host/f?access_token=abc failed"); // "GET https://host/f?access_token=[redacted] failed"
 * ```
 */
export function redactUrlsInText(text: string, extra?: QueryParameterNames): string {
  if (!text.includes("://")) return text;
  return text.replace(URL_IN_TEXT, (match) => {
    const tail = TRAILING_PUNCTUATION.exec(match)?.[0] ?? "";
    return redactUrl(match.slice(0, match.length - tail.length), extra) + tail;
  });
}
