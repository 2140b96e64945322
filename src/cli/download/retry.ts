// When a failed attempt is worth another one, and how long to wait first.
//
// The command does its own retrying, not got's: each attempt must be rebuilt from what is
// already on disk (`Range`, `If-Range`), which got's retry cannot do, and a stream made by
// `got.stream` is only retried by got when a `retry` listener is attached. The download
// requests set `retry: { limit: 0 }` as well, so the two never add up.

/** Network failures that a later attempt may not meet (a reset, a timeout, a refused connection while a server restarts). */
const RETRYABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "EAI_AGAIN",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_HTTP_CONTENT_LENGTH_MISMATCH",
]);

/** Statuses that say "not now" rather than "no". */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504, 521, 522, 524]);

interface ErrorShape {
  name?: string;
  code?: string;
  response?: { statusCode?: number; headers?: Record<string, string | string[] | undefined> };
}

/** The HTTP status of a got `HTTPError`, else `undefined`. */
export function statusOf(err: unknown): number | undefined {
  const shape = err as ErrorShape | undefined;
  return shape?.name === "HTTPError" ? shape.response?.statusCode : undefined;
}

/** Whether another attempt might succeed where `err` failed. */
export function isRetryable(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return RETRYABLE_STATUSES.has(status);
  const shape = err as ErrorShape | undefined;
  if (shape?.name === "TimeoutError") return true;
  return typeof shape?.code === "string" && RETRYABLE_CODES.has(shape.code);
}

/** Longest wait between two attempts, whatever the backoff or the server says. */
export const MAX_RETRY_DELAY_MS = 60_000;

/**
 * The wait before retry number `failures` (1, 2, …): `baseMs` doubled each time, at most
 * {@link MAX_RETRY_DELAY_MS}; a `Retry-After` on a 429 or 503 is honoured up to that too.
 */
export function retryDelayMs(failures: number, baseMs: number, err?: unknown): number {
  const backoff = Math.min(baseMs * 2 ** Math.max(0, failures - 1), MAX_RETRY_DELAY_MS);
  const retryAfter = retryAfterMs(err);
  return retryAfter === undefined ? backoff : Math.max(backoff, retryAfter);
}

function retryAfterMs(err: unknown): number | undefined {
  const header = (err as ErrorShape | undefined)?.response?.headers?.["retry-after"];
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || statusOf(err) === undefined) return undefined;
  const seconds = Number(text);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(text) - Date.now();
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, MAX_RETRY_DELAY_MS);
}
