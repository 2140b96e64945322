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
 * The port is dropped, as in the Python package (a session's default audience adds it back
 * for a non-default port: see the README's "Bearer tokens").
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
 * @category SciTokens
 */
export function targetAudience(url: string, includeAny = true): string[] {
  const parsed = parseTarget(url);
  const aud = [`${parsed.protocol}//${parsed.hostname}`];
  if (includeAny) aud.push("ANY");
  return aud;
}

/**
 * The audience a session requires by default of a token for a request to `url`:
 * {@link targetAudience} without `ANY` and, when the URL names a port that is not its
 * scheme's default, `scheme://host:port` as well — XRootD deployments configure their
 * audience that way, and scitokens-cpp compares audiences as written. Internal.
 *
 * @throws {TypeError} when `url` is not a URL or host name.
 *
 * @example
 * ```ts
 * requestAudience("https://xrootd.example.org:1094/frames");
 * // ["https://xrootd.example.org", "https://xrootd.example.org:1094"]
 * requestAudience("https://datafind.example.org:443/api"); // ["https://datafind.example.org"]
 * ```
 */
export function requestAudience(url: string | URL): string[] {
  const parsed = url instanceof URL ? url : parseTarget(url);
  const base = `${parsed.protocol}//${parsed.hostname}`;
  // `port` is empty for a scheme's default port (443 for https, 80 for http).
  return parsed.port === "" ? [base] : [base, `${base}:${parsed.port}`];
}

function parseTarget(url: string): URL {
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
  return parsed;
}
