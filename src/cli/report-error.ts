// Turn any failure into one line for stderr and an exit code. Only `err.message` is ever
// printed: got's errors carry the request options (token header, TLS key) and
// `util.inspect` would show them, so an error object is never printed whole.
import { IgwnAuthError } from "../lib/errors.js";
import { redactUrl } from "../lib/redact-url.js";
import { explanationLines } from "../session/explain/text.js";
import type { AuthExplanation } from "../session/explain/types.js";
import { ExitCode, type ExitCodeValue, UsageError } from "./exit-codes.js";

/** What to print and how to exit for a failure. */
export interface ErrorReport {
  readonly message: string;
  readonly exitCode: ExitCodeValue;
}

interface GotLikeError {
  name?: string;
  code?: string;
  message?: string;
  response?: { statusCode?: number; statusMessage?: string; url?: string };
  /** Why a 401 or 403 was not authenticated (the library's explanation). */
  auth?: AuthExplanation;
}

// TLS verification failures that trusting the right CA fixes.
const UNTRUSTED_CA = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
]);

/** A URL as it may be shown: no password, no token in its query (see `redactUrl`). */
export function displayUrl(url: string | URL | undefined): string {
  return url === undefined ? "(unknown URL)" : redactUrl(url);
}

function isHttpError(err: GotLikeError): boolean {
  return err.name === "HTTPError" && typeof err.response?.statusCode === "number";
}

/**
 * The one-line message and exit code for a failure of `igwn-auth`.
 *
 * @param url - the URL the command was asked for, named in network errors.
 */
export function describeError(err: unknown, url?: string): ErrorReport {
  if (err instanceof IgwnAuthError) {
    return { message: err.message, exitCode: ExitCode.NO_CREDENTIAL };
  }
  if (err instanceof UsageError) return { message: err.message, exitCode: ExitCode.USAGE };
  // Invalid option combinations reach us as TypeError from the library (SPEC §2).
  if (err instanceof TypeError && !(err as GotLikeError).code) {
    return { message: err.message, exitCode: ExitCode.USAGE };
  }
  if (err && typeof err === "object") {
    const gotError = err as GotLikeError;
    if (isHttpError(gotError)) {
      const { statusCode, statusMessage, url: finalUrl } = gotError.response ?? {};
      const status = [statusCode, statusMessage].filter(Boolean).join(" ");
      const explanation = gotError.auth
        ? explanationLines(gotError.auth).map((line) => `  ${line}`)
        : [];
      return {
        message: [`HTTP ${status} for ${displayUrl(finalUrl ?? url)}`, ...explanation].join("\n"),
        exitCode: ExitCode.REQUEST_FAILED,
      };
    }
    const message = gotError.message ?? String(err);
    const hint =
      gotError.code && UNTRUSTED_CA.has(gotError.code)
        ? " (trust the server's certificate authority with --ca FILE or NODE_EXTRA_CA_CERTS)"
        : "";
    const where = url === undefined ? "" : `request to ${displayUrl(url)} failed: `;
    return { message: `${where}${message}${hint}`, exitCode: ExitCode.REQUEST_FAILED };
  }
  return { message: String(err), exitCode: ExitCode.REQUEST_FAILED };
}
