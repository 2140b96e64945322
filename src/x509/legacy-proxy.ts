// Proxies made before RFC 3820 (Globus "legacy" proxies, `CN=proxy`, and GSI-3 draft
// ones): today's servers (OpenSSL with proxy support, XRootD, dCache) refuse them at the
// TLS handshake, and all the user sees is "unknown CA". Discovery passes them over and
// says why; an explicit one is presented with a one-time warning. Internal.
import { warnOnce } from "../lib/warn-once.js";
import type { X509Credential } from "./credential.js";
import { proxyKind } from "./extensions.js";

/** The `code` of the warning for an explicit pre-RFC 3820 proxy. */
export const LEGACY_PROXY_WARNING_CODE = "IGWN_AUTH_X509_LEGACY_PROXY";

const HOW: Record<"draft" | "legacy", string> = {
  legacy: "legacy proxy: make an RFC 3820 one (grid-proxy-init without -old)",
  draft: "GSI-3 draft proxy, not RFC 3820: make an RFC 3820 one (grid-proxy-init without -draft)",
};

/**
 * Why a credential's leaf is a proxy servers will refuse (pre-RFC 3820), or `undefined`
 * when it is an RFC 3820 proxy or not a proxy at all.
 */
export function preRfc3820ProxyReason(credential: X509Credential): string | undefined {
  const kind = proxyKind(credential.certificate);
  if (kind !== "legacy" && kind !== "draft") return undefined;
  return `${HOW[kind]}; servers refuse a pre-RFC 3820 proxy at the TLS handshake ("unknown CA")`;
}

/**
 * Warn, once per process, that an explicitly given credential is a pre-RFC 3820 proxy: it
 * is presented as asked, but the server will most likely refuse it.
 */
export function warnIfPreRfc3820Proxy(credential: X509Credential, path: string): void {
  const reason = preRfc3820ProxyReason(credential);
  if (reason === undefined) return;
  warnOnce(LEGACY_PROXY_WARNING_CODE, `X.509 certificate file ${path} holds a ${reason}`);
}
