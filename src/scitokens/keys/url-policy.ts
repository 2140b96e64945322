// Keys fetched over plain HTTP can be swapped by anyone on the path, so both the issuer and
// its jwks_uri must be HTTPS unless the caller opted in with `insecure`.
import { ErrorCode, IgwnAuthError } from "../../lib/errors.js";
import { quoted } from "../../lib/text.js";

/**
 * Parse `value` as the URL of `what` and refuse anything but `https:` (or `http:` when
 * `insecure`), with an {@link IgwnAuthError} coded `ERR_KEY_RETRIEVAL`.
 *
 * @example
 * ```ts
 * const iss = requireIssuerUrl("https://cilogon.org/igwn", "issuer", false);
 * ```
 */
export function requireIssuerUrl(value: string, what: string, insecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (err) {
    throw new IgwnAuthError(`${what} ${quoted(value, 200)} is not a URL`, {
      code: ErrorCode.KEY_RETRIEVAL,
      cause: err,
    });
  }
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:") {
    if (insecure) return url;
    throw new IgwnAuthError(
      `refusing to fetch keys for ${what} ${url.href} over plain HTTP: it must be https ` +
        "(pass insecure: true only for tests)",
      { code: ErrorCode.KEY_RETRIEVAL },
    );
  }
  throw new IgwnAuthError(`${what} ${url.href} is not an https URL`, {
    code: ErrorCode.KEY_RETRIEVAL,
  });
}
