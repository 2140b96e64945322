import type { X509Certificate } from "node:crypto";
import type forge from "node-forge";
import { loadForge } from "./forge.js";

/** RFC 3820 ProxyCertInfo. */
export const OID_PROXY_CERT_INFO = "1.3.6.1.5.5.7.1.14";
/** The pre-RFC (GSI 3 draft) ProxyCertInfo some older Globus tools wrote. */
export const OID_PROXY_CERT_INFO_DRAFT = "1.3.6.1.4.1.3536.1.222";

const extensionCache = new WeakMap<X509Certificate, readonly string[]>();

/**
 * The OIDs of a certificate's v3 extensions. Node's X509Certificate does not list
 * extensions, so the TBSCertificate is walked with forge's ASN.1 reader (which, unlike
 * forge's certificate reader, does not care whether the key is RSA or EC).
 */
export function extensionOids(cert: X509Certificate): readonly string[] {
  const cached = extensionCache.get(cert);
  if (cached) return cached;
  const oids: string[] = [];
  try {
    const { asn1, util } = loadForge();
    const root = asn1.fromDer(util.createBuffer(cert.raw.toString("binary")));
    const tbs = (root.value as forge.asn1.Asn1[])[0];
    const fields = (tbs?.value ?? []) as forge.asn1.Asn1[];
    const explicit = fields.find((f) => f.tagClass === asn1.Class.CONTEXT_SPECIFIC && f.type === 3);
    const list = ((explicit?.value as forge.asn1.Asn1[] | undefined)?.[0]?.value ??
      []) as forge.asn1.Asn1[];
    for (const ext of list) {
      const id = (ext.value as forge.asn1.Asn1[])[0];
      if (id && typeof id.value === "string") oids.push(asn1.derToOid(util.createBuffer(id.value)));
    }
  } catch {
    // Node already parsed this certificate; a DER quirk forge dislikes means "no extensions
    // we can see", not a failure of the credential.
  }
  extensionCache.set(cert, oids);
  return oids;
}

function lastRdn(name: string): string {
  const parts = name.split("\n");
  return parts[parts.length - 1] ?? "";
}

/** What kind of proxy a certificate is (see {@link proxyKind}). */
export type ProxyKind = "rfc3820" | "draft" | "legacy";

/**
 * What kind of proxy certificate this is, or `undefined` for an ordinary certificate:
 * - `"rfc3820"`: the RFC 3820 ProxyCertInfo extension (what servers accept today);
 * - `"draft"`: the GSI-3 draft ProxyCertInfo (`grid-proxy-init -draft`);
 * - `"legacy"`: a pre-RFC 3820 Globus proxy (`grid-proxy-init -old`), known only by its
 *   subject: its issuer's plus `CN=proxy` or `CN=limited proxy`.
 */
export function proxyKind(cert: X509Certificate): ProxyKind | undefined {
  const oids = extensionOids(cert);
  if (oids.includes(OID_PROXY_CERT_INFO)) return "rfc3820";
  if (oids.includes(OID_PROXY_CERT_INFO_DRAFT)) return "draft";
  const last = lastRdn(cert.subject);
  const legacy =
    (last === "CN=proxy" || last === "CN=limited proxy") &&
    cert.subject === `${cert.issuer}\n${last}`;
  return legacy ? "legacy" : undefined;
}

/**
 * Whether a certificate is a proxy certificate: an RFC 3820 (or draft) ProxyCertInfo
 * extension, or a legacy Globus proxy whose subject is its issuer's plus `CN=proxy` or
 * `CN=limited proxy`.
 */
export function isProxyCertificate(cert: X509Certificate): boolean {
  return proxyKind(cert) !== undefined;
}
