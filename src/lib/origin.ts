import { isIP } from "node:net";

/** `scheme://host:port` of a URL; any change of it is a change of origin. */
export function originOf(url: URL): string {
  return url.origin;
}

// Only names the system resolver maps to loopback by itself (/etc/hosts). RFC 6761 reserves
// `*.localhost` for loopback, but Node resolves such a name through getaddrinfo like any
// other, so DNS (or a search domain appended to it) may answer with a remote address.
const LOOPBACK_NAMES = new Set(["localhost", "localhost.localdomain", "ip6-localhost"]);

/**
 * Whether a URL's host is this machine (loopback), where plain HTTP cannot be sniffed:
 * `localhost`, an address in 127.0.0.0/8, `::1`, or 127.0.0.0/8 mapped into IPv6 (which the
 * URL parser writes `::ffff:7f00:1`).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (LOOPBACK_NAMES.has(host)) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) {
    if (host === "::1" || host.startsWith("::ffff:127.")) return true;
    // ::ffff:7fXX:XXXX is 127.X.X.X
    return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
  }
  return false;
}

/** Plain `http:` to a host that is not loopback: a credential sent here can be read on the wire. */
export function isInsecureTransport(url: URL): boolean {
  return url.protocol === "http:" && !isLoopbackHost(url.hostname);
}
