import { redactUrlsInText } from "./redact-url.js";

const warned = new Set<string>();

/** Emit a process warning once per process for a given key (a URL in it redacted). */
export function warnOnce(key: string, message: string, type = "Warning"): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(redactUrlsInText(message), { type, code: key });
}
