import { debug } from "../lib/debug.js";
import { isInsecureTransport } from "../lib/origin.js";
import { warnOnce } from "../lib/warn-once.js";

/**
 * Decide whether a credential may travel over this URL's transport.
 *
 * Discovered credentials (found on disk or in the environment) are never sent over plain
 * HTTP to a host that is not loopback unless the caller opted in with
 * `allowInsecureTransport`; a credential the caller gave explicitly is sent, with a
 * one-time warning.
 */
export function mayUseTransport(
  url: URL,
  credential: { kind: string; explicit: boolean },
  allowInsecureTransport: boolean,
): boolean {
  if (!isInsecureTransport(url) || allowInsecureTransport) return true;
  if (credential.explicit) {
    warnOnce(
      "IGWN_AUTH_INSECURE_TRANSPORT",
      `sending an explicitly given ${credential.kind} over plain HTTP to ${url.host}: it can be read by anyone on the network`,
      "SecurityWarning",
    );
    return true;
  }
  debug("not sending a discovered %s over plain HTTP to %s", credential.kind, url.host);
  return false;
}
