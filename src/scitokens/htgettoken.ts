import { statSync } from "node:fs";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { defaultBearerTokenFile } from "./bearer-token-file.js";
import { runCommand } from "./command.js";

/**
 * Options of {@link getScitoken}.
 *
 * @category SciTokens
 */
export interface GetScitokenOptions {
  /** Where htgettoken writes the token; default {@link defaultBearerTokenFile}. */
  outfile?: string;
  /** Reuse an existing token with at least this many seconds left (default 60). */
  minsecs?: number;
  /** Pass `--quiet` (default `true`, as the Python package does). */
  quiet?: boolean;
  /** Pass `--verbose`. */
  verbose?: boolean;
  /**
   * More htgettoken options, as the Python package's keyword arguments: `{ vaultserver:
   * "vault.example.org", nokerberos: true }` → `--vaultserver vault.example.org
   * --nokerberos`; `false` or `undefined` leaves an option out. `nooidc: false` keeps
   * `--nooidc` off even when not on a terminal.
   */
  options?: Record<string, string | number | boolean | undefined>;
  /**
   * Whether htgettoken may interact with the user (read the terminal, show the OIDC URL
   * to visit). Default: whether stdout is a terminal; when it is not, `--nooidc` is added
   * so htgettoken fails rather than wait for a browser login nobody will do.
   */
  interactive?: boolean;
  /** Give up (and stop htgettoken) after this many milliseconds. */
  timeout?: number;
  /** The command to run (default `htgettoken`, found on `PATH`). */
  command?: string;
}

function formatOptions(options: Record<string, string | number | boolean | undefined>): string[] {
  const argv: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === false || value === undefined) continue;
    if (value === true) argv.push(`--${key}`);
    else argv.push(`--${key}`, String(value));
  }
  return argv;
}

/**
 * Get a new SciToken with `htgettoken` and resolve to the file it was written to.
 *
 * The command line is `htgettoken <args> --outfile <outfile> --minsecs <minsecs>
 * [--quiet] [--verbose] <options> [--nooidc]`, as the Python package's `get_scitoken`
 * builds it.
 *
 * @throws {IgwnAuthError} code `ERR_COMMAND_FAILED` when htgettoken is missing, fails, runs
 * past `timeout`, or exits without writing the token file; the message carries
 * htgettoken's own error output.
 *
 * @example
 * ```ts
 * const path = await getScitoken(["--audience", "https://datafind.ligo.org"], {
 *   options: { vaultserver: "vault.ligo.org", issuer: "igwn" },
 * });
 * const token = await loadTokenFile(path);
 * ```
 * @category SciTokens
 */
export async function getScitoken(
  args: readonly string[] = [],
  opts: GetScitokenOptions = {},
): Promise<string> {
  const outfile = opts.outfile ?? defaultBearerTokenFile();
  const interactive = opts.interactive ?? process.stdout.isTTY === true;
  const options: Record<string, string | number | boolean | undefined> = {
    outfile,
    minsecs: opts.minsecs ?? 60,
    quiet: opts.quiet ?? true,
    verbose: opts.verbose ?? false,
    ...opts.options,
  };
  // Without a terminal nobody can complete a browser login: fail fast instead.
  if (!interactive && !("nooidc" in options)) options.nooidc = true;
  const command = opts.command ?? "htgettoken";
  await runCommand(command, [...args, ...formatOptions(options)], {
    timeout: opts.timeout,
    interactive,
    echoStderr: interactive || opts.quiet === false || opts.verbose === true,
    installHint: "install htgettoken, e.g. `pip install htgettoken`",
  });
  const written = String(options.outfile);
  if (!statSync(written, { throwIfNoEntry: false })?.isFile()) {
    throw new IgwnAuthError(`${command} exited successfully but did not write ${written}`, {
      code: ErrorCode.COMMAND_FAILED,
    });
  }
  return written;
}
