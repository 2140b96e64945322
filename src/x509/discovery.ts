import { existsSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join, win32 } from "node:path";
import { debug } from "../lib/debug.js";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { readCredentialFileSync } from "../lib/read-file.js";
import { formatTimeLeft } from "../lib/text.js";
import { currentUid } from "../lib/uid.js";
import { loadX509CertificateFile, type X509Credential } from "./credential.js";
import { warnX509Retirement } from "./deprecation.js";
import { gotCertificateOptions } from "./got-options.js";
import { preRfc3820ProxyReason } from "./legacy-proxy.js";
import { DEFAULT_TIMELEFT, validateCertificate } from "./validate.js";

/**
 * Where a discovery candidate came from, in the order they are tried.
 *
 * @category X.509
 */
export type X509CandidateSource =
  | "X509_USER_CERT/X509_USER_KEY"
  | "X509_USER_PROXY"
  | "/tmp/x509up_u<uid>"
  | "~/.globus";

/**
 * What discovery made of one candidate (see {@link explainX509Discovery}).
 *
 * @category X.509
 */
export interface X509CandidateReport {
  /** Which place this is, in discovery order. */
  readonly source: X509CandidateSource;
  /** The certificate (or proxy) file, when the source named one. */
  readonly certPath?: string;
  /** The separate private key file, for the sources that have one. */
  readonly keyPath?: string;
  /** Whether the source named files that were then read and validated. */
  readonly checked: boolean;
  /** Whether the candidate is usable; discovery returns the first accepted one. */
  readonly accepted: boolean;
  /** Why it was accepted, skipped or rejected, e.g. `X509_USER_PROXY is not set`. */
  readonly reason: string;
  /** The loaded credential, when the certificate file could be read. */
  readonly credential?: X509Credential;
  /** The failure, for a rejected candidate. */
  readonly error?: IgwnAuthError;
}

/**
 * How {@link findX509Credentials} treats a candidate that is present but not valid.
 *
 * @category X.509
 */
export type X509OnError = "ignore" | "warn" | "raise";

/**
 * Options of {@link findX509Credentials}.
 *
 * @category X.509
 */
export interface FindX509Options {
  /** The minimum remaining lifetime, in seconds (default 600). */
  timeleft?: number;
  /** `"warn"` (default): a process warning, then the next candidate; `"ignore"`; `"raise"`. */
  onError?: X509OnError;
}

/** The `code` of the process warning emitted for a rejected candidate with `onError: "warn"`. */
export const X509_CANDIDATE_WARNING_CODE = "IGWN_AUTH_X509_CANDIDATE";

/**
 * The default proxy path as grid-proxy-init writes it: `/tmp/x509up_u<uid>`, or on Windows
 * `%SYSTEMROOT%\Temp\x509up_<username>`.
 *
 * @example
 * ```ts
 * defaultX509ProxyPath(); // "/tmp/x509up_u1000"
 * ```
 */
export function defaultX509ProxyPath(): string {
  const uid = currentUid();
  if (uid !== undefined) return `/tmp/x509up_u${uid}`;
  return win32.join(
    process.env.SYSTEMROOT ?? "C:\\Windows",
    "Temp",
    `x509up_${userInfo().username}`,
  );
}

/** `~/.globus/usercert.pem` and `~/.globus/userkey.pem` under the current home folder. */
export function globusCertificatePaths(): [cert: string, key: string] {
  const dir = join(homedir(), ".globus");
  return [join(dir, "usercert.pem"), join(dir, "userkey.pem")];
}

function envPath(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

interface Candidate {
  source: X509CandidateSource;
  certPath?: string;
  keyPath?: string;
  /** Set when the source offers nothing to check. */
  skip?: string;
}

// The sources, in order. Environment variables are tried even when their files are missing,
// so the user hears about a stale setting; default paths only when they exist.
function* candidates(): Generator<Candidate> {
  const cert = envPath("X509_USER_CERT");
  const key = envPath("X509_USER_KEY");
  const pair = "X509_USER_CERT/X509_USER_KEY" as const;
  if (cert !== undefined && key !== undefined) {
    yield { source: pair, certPath: cert, keyPath: key };
  } else if (cert !== undefined) {
    yield { source: pair, certPath: cert, skip: "X509_USER_CERT is set but X509_USER_KEY is not" };
  } else if (key !== undefined) {
    yield { source: pair, keyPath: key, skip: "X509_USER_KEY is set but X509_USER_CERT is not" };
  } else {
    yield { source: pair, skip: "X509_USER_CERT and X509_USER_KEY are not set" };
  }

  const proxy = envPath("X509_USER_PROXY");
  yield proxy === undefined
    ? { source: "X509_USER_PROXY", skip: "X509_USER_PROXY is not set" }
    : { source: "X509_USER_PROXY", certPath: proxy };

  const tmp = defaultX509ProxyPath();
  yield existsSync(tmp)
    ? { source: "/tmp/x509up_u<uid>", certPath: tmp }
    : { source: "/tmp/x509up_u<uid>", certPath: tmp, skip: `${tmp} does not exist` };

  const [globusCert, globusKey] = globusCertificatePaths();
  const missing = [globusCert, globusKey].filter((p) => !existsSync(p));
  yield {
    source: "~/.globus",
    certPath: globusCert,
    keyPath: globusKey,
    ...(missing.length > 0
      ? { skip: `${missing.join(" and ")} ${missing.length > 1 ? "do" : "does"} not exist` }
      : {}),
  };
}

function asAuthError(err: unknown): IgwnAuthError {
  if (err instanceof IgwnAuthError) return err;
  return new IgwnAuthError(err instanceof Error ? err.message : String(err), {
    code: ErrorCode.INVALID_CERTIFICATE,
    cause: err,
  });
}

function check(candidate: Candidate, timeleft: number, usable: boolean): X509CandidateReport {
  const { source, certPath, keyPath } = candidate;
  const paths = {
    ...(certPath === undefined ? {} : { certPath }),
    ...(keyPath === undefined ? {} : { keyPath }),
  };
  if (candidate.skip !== undefined || certPath === undefined) {
    return { source, ...paths, checked: false, accepted: false, reason: candidate.skip ?? "" };
  }
  let credential: X509Credential | undefined;
  try {
    credential = loadX509CertificateFile(certPath);
    // Before the lifetime: renewing it the same way would not help.
    const legacy = preRfc3820ProxyReason(credential);
    if (legacy !== undefined) {
      throw new IgwnAuthError(`X.509 certificate file ${certPath} holds a ${legacy}`, {
        code: ErrorCode.INVALID_CERTIFICATE,
      });
    }
    validateCertificate(credential, timeleft);
    if (usable) {
      // The key there, unencrypted and the certificate's: what a session needs before it
      // presents a credential it merely discovered. (Cached by file identity, so the first
      // request reads nothing again.)
      gotCertificateOptions(keyPath === undefined ? certPath : [certPath, keyPath]);
    } else if (keyPath !== undefined) {
      // As the Python package does, only check that the key can be read here; whether it
      // matches is checked when it is put to use.
      readCredentialFileSync(keyPath, { what: "X.509 private key file" });
    }
  } catch (err) {
    const error = asAuthError(err);
    return {
      source,
      ...paths,
      checked: true,
      accepted: false,
      reason: error.message,
      ...(credential ? { credential } : {}),
      error,
    };
  }
  const left = credential.timeLeft();
  return {
    source,
    ...paths,
    checked: true,
    accepted: true,
    reason: `valid ${credential.isProxy ? "proxy " : ""}certificate for ${credential.identity}, ${formatTimeLeft(left)}`,
    credential,
  };
}

function* walk(timeleft: number, usable: boolean): Generator<X509CandidateReport> {
  for (const candidate of candidates()) yield check(candidate, timeleft, usable);
}

function checkOptions(opts: FindX509Options): { timeleft: number; onError: X509OnError } {
  const timeleft = opts.timeleft ?? DEFAULT_TIMELEFT;
  if (typeof timeleft !== "number" || Number.isNaN(timeleft)) {
    throw new TypeError(`timeleft must be a number of seconds, not ${String(timeleft)}`);
  }
  const onError = opts.onError ?? "warn";
  if (onError !== "ignore" && onError !== "warn" && onError !== "raise") {
    throw new TypeError(`onError must be "ignore", "warn" or "raise", not ${String(onError)}`);
  }
  return { timeleft, onError };
}

/**
 * Every X.509 discovery candidate, in the order {@link findX509Credentials} tries them, with
 * what was found there and why it was accepted or not. For diagnostics: it emits no warnings
 * and checks all candidates even after one is accepted.
 *
 * @example
 * ```ts
 * for (const c of explainX509Discovery()) console.log(c.source, c.accepted, c.reason);
 * ```
 * @category X.509
 */
export function explainX509Discovery(
  opts: { timeleft?: number; usable?: boolean } = {},
): X509CandidateReport[] {
  const { timeleft } = checkOptions({ timeleft: opts.timeleft, onError: "ignore" });
  return [...walk(timeleft, opts.usable === true)];
}

function lookedAt(reports: readonly X509CandidateReport[]): string {
  const seen = reports
    .filter((r) => r.certPath !== undefined || r.keyPath !== undefined)
    .map((r) => [r.certPath, r.keyPath].filter((p) => p !== undefined).join(" + "));
  return seen.length > 0 ? `; looked at: ${seen.join(", ")}` : "";
}

/**
 * Find an X.509 credential the way the grid tools do, trying in order `$X509_USER_CERT` with
 * `$X509_USER_KEY`, `$X509_USER_PROXY`, `/tmp/x509up_u<uid>`, and `~/.globus/usercert.pem`
 * with `~/.globus/userkey.pem`. A candidate is accepted when its certificate has at least
 * `timeleft` seconds left and its key file (if separate) can be read.
 *
 * Returns the path of a file holding certificate and key, or the `[cert, key]` pair. Emits a
 * `DeprecationWarning` (once per process): identity-based X.509 for LIGO.ORG is being retired.
 *
 * @throws IgwnAuthError `ERR_NO_CREDENTIAL` when no candidate is valid; with
 * `onError: "raise"`, the first invalid candidate's error.
 * @example
 * ```ts
 * const cert = findX509Credentials({ timeleft: 3600 });
 * // "/tmp/x509up_u1000", or ["/home/me/.globus/usercert.pem", "/home/me/.globus/userkey.pem"]
 * ```
 * @category X.509
 */
export function findX509Credentials(
  opts: FindX509Options = {},
): string | [cert: string, key: string] {
  return find(opts, false);
}

/**
 * {@link findX509Credentials}, taking only a credential that can be presented as it is: a
 * proxy file must hold its private key, and the key (in the file or beside it) must be
 * unencrypted and match the certificate. A session that discovers a certificate uses this,
 * so that a key-less proxy or a passphrase-protected `~/.globus/userkey.pem` is passed
 * over (with its reason) instead of being found and then failing every request.
 *
 * @internal for the session resolver and `igwn-auth x509`
 * @example
 * ```ts
 * const cert = findUsableX509Credentials({ onError: "ignore" });
 * ```
 */
export function findUsableX509Credentials(
  opts: FindX509Options = {},
): string | [cert: string, key: string] {
  return find(opts, true);
}

function find(opts: FindX509Options, usable: boolean): string | [cert: string, key: string] {
  const { timeleft, onError } = checkOptions(opts);
  const seen: X509CandidateReport[] = [];
  let firstError: IgwnAuthError | undefined;
  for (const report of walk(timeleft, usable)) {
    seen.push(report);
    if (report.accepted && report.certPath !== undefined) {
      // A session warns when it presents the credential (X509Strategy), not when it looks.
      if (!usable) warnX509Retirement();
      return report.keyPath === undefined ? report.certPath : [report.certPath, report.keyPath];
    }
    if (!report.checked || report.error === undefined) continue;
    firstError ??= report.error;
    debug("x509: passed over %s: %s", report.source, report.reason);
    const message = `Failed to validate '${report.certPath}' (from ${report.source}): ${report.reason}`;
    if (onError === "raise") {
      throw new IgwnAuthError(message, { code: report.error.code, cause: report.error });
    }
    if (onError === "warn") {
      process.emitWarning(message, { code: X509_CANDIDATE_WARNING_CODE });
    }
  }
  throw new IgwnAuthError(
    `could not find an RFC-3820 compliant X.509 credential, please generate one and try again${lookedAt(seen)}`,
    { code: ErrorCode.NO_CREDENTIAL, ...(firstError ? { cause: firstError } : {}) },
  );
}
