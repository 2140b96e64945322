import { isIP } from "node:net";

/** `scheme://host:port` of a URL; any change of it is a change of origin. */
export function originOf(url: URL): string {
  return url.origin;
}

const LOOPBACK_NAMES = new Set(["localhost", "localhost.localdomain", "ip6-localhost"]);

/** Whether a URL's host is this machine (loopback), where plain HTTP cannot be sniffed. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (LOOPBACK_NAMES.has(host) || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host.startsWith("::ffff:127.");
  return false;
}

/** Plain `http:` to a host that is not loopback: a credential sent here can be read on the wire. */
export function isInsecureTransport(url: URL): boolean {
  return url.protocol === "http:" && !isLoopbackHost(url.hostname);
}
