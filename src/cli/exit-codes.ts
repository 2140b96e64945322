/**
 * The exit codes of `igwn-auth` (SPEC §9): scripts branch on these, so they never change.
 */
export const ExitCode = {
  /** Success: the body was written, or a credential was found. */
  OK: 0,
  /** The request failed: an HTTP status >= 400, or a network, TLS or timeout error. */
  REQUEST_FAILED: 1,
  /** No usable credential where one was required, or a usage error (bad flag or argument). */
  NO_CREDENTIAL: 2,
  /** A usage error shares the code of a missing credential, as SPEC §9 says. */
  USAGE: 2,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A usage error found after commander has parsed the arguments (a file given with `--ca`
 * that holds no certificate, `--key` without `--cert`, …): exit code 2.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
