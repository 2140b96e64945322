// Issuer metadata discovery, the SciTokens convention: `{iss}/.well-known/openid-configuration`,
// then `{iss}/.well-known/oauth-authorization-server`, each giving `jwks_uri`.
import { ErrorCode, IgwnAuthError } from "../../lib/errors.js";
import { fetchIssuerJson, type IssuerFetchOptions } from "./http.js";
import { requireIssuerUrl } from "./url-policy.js";

/** The well-known documents tried in order, relative to the issuer. */
export const WELL_KNOWN_DOCUMENTS = [
  ".well-known/openid-configuration",
  ".well-known/oauth-authorization-server",
] as const;

/** How to discover an issuer's key set URL. */
export interface MetadataOptions extends IssuerFetchOptions {
  /** Allow `http:` for the issuer and its `jwks_uri`. */
  insecure: boolean;
}

/**
 * The metadata URLs for `issuer`: the document names appended to the issuer's path (not
 * inserted after the host as RFC 8414 would), as the SciTokens libraries do.
 *
 * @example
 * ```ts
 * wellKnownUrls(new URL("https://cilogon.org/igwn")).map(String);
 * // ["https://cilogon.org/igwn/.well-known/openid-configuration", ".../oauth-authorization-server"]
 * ```
 */
export function wellKnownUrls(issuer: URL): URL[] {
  const base = issuer.href.endsWith("/") ? issuer.href : `${issuer.href}/`;
  return WELL_KNOWN_DOCUMENTS.map((doc) => new URL(doc, base));
}

/**
 * Find the `jwks_uri` of `issuer`, trying each well-known document in turn.
 *
 * A document that is missing (non-200), not JSON, or has no usable `jwks_uri` moves on to the
 * next; a network failure (refused, timed out, untrusted TLS) stops at once, so an unreachable
 * issuer costs one timeout, not two.
 *
 * @example
 * ```ts
 * const jwksUri = await discoverJwksUri(new URL(iss), { timeout: 5000, insecure: false });
 * ```
 */
export async function discoverJwksUri(issuer: URL, options: MetadataOptions): Promise<URL> {
  // Messages name the issuer as tokens write it, without the trailing slash URL adds.
  const name = issuer.href.endsWith("/") && issuer.pathname === "/" ? issuer.origin : issuer.href;
  const problems: string[] = [];
  for (const url of wellKnownUrls(issuer)) {
    const res = await fetchIssuerJson(url, `the metadata of issuer ${name}`, options);
    if (res.status !== 200) {
      problems.push(`${url.href} answered HTTP ${res.status}`);
      continue;
    }
    if (
      !res.parsed ||
      typeof res.json !== "object" ||
      res.json === null ||
      Array.isArray(res.json)
    ) {
      problems.push(`${url.href} is not a JSON object`);
      continue;
    }
    const jwksUri = (res.json as { jwks_uri?: unknown }).jwks_uri;
    if (typeof jwksUri !== "string" || jwksUri === "") {
      problems.push(`${url.href} has no jwks_uri`);
      continue;
    }
    return requireIssuerUrl(jwksUri, `the jwks_uri of issuer ${name}`, options.insecure);
  }
  throw new IgwnAuthError(
    `could not discover the signing keys of issuer ${name}: ${problems.join("; ")}`,
    { code: ErrorCode.KEY_RETRIEVAL },
  );
}
