import { describe, expect, it } from "vitest";
import { isRetryable, retryDelayMs } from "../../../src/cli/download/retry.js";

const httpError = (statusCode: number, headers: Record<string, string> = {}) => ({
  name: "HTTPError",
  response: { statusCode, headers },
});

describe("retries", () => {
  it("retries resets, timeouts and 'not now' statuses; not 4xx, TLS or DNS failures", () => {
    for (const err of [
      { code: "ECONNRESET" },
      { name: "TimeoutError", code: "ETIMEDOUT" },
      { code: "ERR_HTTP_CONTENT_LENGTH_MISMATCH" },
      httpError(503),
      httpError(500),
      httpError(429),
    ]) {
      expect(isRetryable(err), JSON.stringify(err)).toBe(true);
    }
    for (const err of [
      httpError(401),
      httpError(404),
      httpError(501),
      { code: "ENOTFOUND" },
      { code: "DEPTH_ZERO_SELF_SIGNED_CERT" },
      { code: "ENOSPC" },
      new Error("x"),
      undefined,
    ]) {
      expect(isRetryable(err), JSON.stringify(err)).toBe(false);
    }
  });

  it("doubles the wait each time, up to a minute, and honours Retry-After up to that", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(20, 1000)).toBe(60_000);
    expect(retryDelayMs(1, 1000, httpError(503, { "retry-after": "7" }))).toBe(7000);
    expect(retryDelayMs(1, 1000, httpError(503, { "retry-after": "86400" }))).toBe(60_000);
    expect(retryDelayMs(3, 1000, httpError(503, { "retry-after": "1" }))).toBe(4000);
    expect(retryDelayMs(1, 1000, httpError(503, { "retry-after": "soon" }))).toBe(1000);
  });
});
