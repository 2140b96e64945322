/**
 * Stable error codes carried by {@link IgwnAuthError}. Match on these, not on messages.
 * @category Errors
 */
export const ErrorCode = {
  /** No usable credential was found where one was required. */
  NO_CREDENTIAL: "ERR_NO_CREDENTIAL",
  /** A bearer token could not be parsed, verified or did not satisfy the request. */
  INVALID_TOKEN: "ERR_INVALID_TOKEN",
  /** The issuer's signing keys could not be retrieved. */
  KEY_RETRIEVAL: "ERR_KEY_RETRIEVAL",
  /** An X.509 certificate or key could not be read or is not valid. */
  INVALID_CERTIFICATE: "ERR_INVALID_CERTIFICATE",
  /** A netrc file could not be parsed. */
  INVALID_NETRC: "ERR_INVALID_NETRC",
  /** A credential file is readable or writable by others, or owned by another user. */
  INSECURE_PERMISSIONS: "ERR_INSECURE_PERMISSIONS",
  /** A credential file could not be read (missing, a directory, too large, unreadable). */
  FILE_READ: "ERR_FILE_READ",
  /** An external command (htgettoken, kinit) failed. */
  COMMAND_FAILED: "ERR_COMMAND_FAILED",
  /** A credential would have been sent over plain HTTP to a host that is not loopback. */
  INSECURE_TRANSPORT: "ERR_INSECURE_TRANSPORT",
} as const;

/**
 * One of the {@link ErrorCode} values.
 *
 * @category Errors
 */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * A credential could not be discovered or validated where one was required.
 *
 * The message says what was looked for and where; it never contains a token, a password
 * or key material.
 *
 * @example
 * ```ts
 * try {
 *   await session.get(url);
 * } catch (err) {
 *   if (err instanceof IgwnAuthError && err.code === ErrorCode.NO_CREDENTIAL) {
 *     console.error("run htgettoken first");
 *   }
 * }
 * ```
 * @category Errors
 */
export class IgwnAuthError extends Error {
  /** Always `"IgwnAuthError"`, so errors can be told apart after serialisation. */
  override readonly name = "IgwnAuthError";
  /** A stable machine-readable code, one of {@link ErrorCode}. */
  readonly code: ErrorCodeValue;

  constructor(message: string, options: { code?: ErrorCodeValue; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? ErrorCode.NO_CREDENTIAL;
  }
}
