// Which `aud` a token needs to be sent to a URL.

// A URL given with an explicit scheme (`https://`, `http://`, `gsiftp://`).
const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * Strip `user:password@` so that a URL in an error message never shows a password. The
 * authority starts after `scheme://` or `//` (or at once, for a bare host) and, in a URL too
 * broken to parse, its userinfo is taken to run to the last `@`: a password may hold `@`,
 * `/` or `:` itself. Cutting too much from a message is better than showing a password.
 */
function withoutUserinfo(url: string): string {
  const start = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\//.exec(url)?.[0].length ?? 0;
  const at = url.lastIndexOf("@");
  return at < start ? url : url.slice(0, start) + url.slice(at + 1);
}

/**
 * The `aud` values that authorise a request to `url`: its scheme and host, without port
 * or path (`https://host.example.com`), plus `"ANY"` unless `includeAny` is `false`.
 *
 * A bare host name (with or without a port or path) is presumed to be HTTPS. Host names
 * come out lower-case; an IPv6 address keeps its brackets (`https://[::1]`), the form a
 * URL (and so an issuer) writes it in.
 *
 * @throws {TypeError} when `url` is not a URL or host name.
 *
 * @example
 * ```ts
 * targetAudience("https://datafind.ligo.org:443/LDR/services/data/v1/gwf.json");
 * // ["https://datafind.ligo.org", "ANY"]
 * targetAudience("segments.ligo.org", false);
 * // ["https://segments.ligo.org"]
 * ```
 */
export function targetAudience(url: string, includeAny = true): string[] {
  let absolute: string;
  if (HAS_SCHEME.test(url)) absolute = url;
  else if (url.startsWith("//")) absolute = `https:${url}`;
  else absolute = `https://${url}`;
  let parsed: URL;
  try {
    parsed = new URL(absolute);
  } catch {
    parsed = new URL("invalid:");
  }
  if (parsed.hostname === "") {
    throw new TypeError(
      `cannot derive a token audience from ${JSON.stringify(withoutUserinfo(url))}: not a URL or host name`,
    );
  }
  const aud = [`${parsed.protocol}//${parsed.hostname}`];
  if (includeAny) aud.push("ANY");
  return aud;
}
