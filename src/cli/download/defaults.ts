// The defaults of `igwn-auth get`, apart from the command so that `--help` can name them
// without loading the download machinery.

/** Transfers at once unless `-j` says otherwise. */
export const DEFAULT_JOBS = 4;
/** Failed attempts in a row (without progress) before a file fails. */
export const DEFAULT_RETRIES = 5;
/** The first wait before a retry, in seconds; doubled for each failure in a row. */
export const DEFAULT_RETRY_DELAY_SECONDS = 1;
/**
 * A transfer that receives nothing for this long is cut and retried, unless --timeout says
 * otherwise (a session sets no idle timeout of its own). Long enough for XRootD to compute
 * the checksum of a large file before it answers.
 */
export const STALL_TIMEOUT_MS = 120_000;
