import { debuglog, format as formatText } from "node:util";
import { redactUrlsInText } from "./redact-url.js";

const log = debuglog("igwn-auth");

/**
 * Debug logging, switched on with `NODE_DEBUG=igwn-auth`. Lines name sources, hosts and
 * decisions; they never carry a token, a password or key material — a URL in a line shows
 * without its password or token query values, whoever wrote the line.
 */
/** Whether debug logging is on: to skip work that only a debug line needs. */
export function debugEnabled(): boolean {
  return log.enabled;
}

export function debug(format: string, ...args: unknown[]): void {
  // Checked first: debuglog's own logger copies its arguments even when it is off, and
  // this runs on every request.
  if (log.enabled) log("%s", redactUrlsInText(formatText(format, ...args)));
}
