// One place that emits the library's SciToken warnings, so they all carry the same
// type and code and callers can filter them. Internal.

/** The `name` of every warning the SciToken functions emit with `warn: true`. */
export const TOKEN_WARNING_TYPE = "IgwnAuthWarning";

/** Emit a process warning about a token; `message` must never contain the token. */
export function emitTokenWarning(message: string): void {
  process.emitWarning(message, { type: TOKEN_WARNING_TYPE, code: "IGWN_AUTH_TOKEN" });
}
