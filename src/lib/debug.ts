import { debuglog } from "node:util";

const log = debuglog("igwn-auth");

/**
 * Debug logging, switched on with `NODE_DEBUG=igwn-auth`. Lines name sources, hosts and
 * decisions; they never carry a token, a password or key material.
 */
export function debug(format: string, ...args: unknown[]): void {
  // Checked first: debuglog's own logger copies its arguments even when it is off, and
  // this runs on every request.
  if (log.enabled) log(format, ...args);
}
