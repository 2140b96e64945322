const warned = new Set<string>();

/** Emit a process warning once per process for a given key. */
export function warnOnce(key: string, message: string, type = "Warning"): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(message, { type, code: key });
}
