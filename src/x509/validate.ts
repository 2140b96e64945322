import { X509Certificate } from "node:crypto";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { formatDuration } from "../lib/text.js";
import { loadX509CertificateFile, X509Credential } from "./credential.js";

/**
 * What {@link validateCertificate} accepts: a path, a loaded credential or a certificate.
 *
 * @category X.509
 */
export type CertificateInput = string | X509Credential | X509Certificate;

/** The default minimum lifetime, in seconds, a certificate must have left to be used. */
export const DEFAULT_TIMELEFT = 600;

// Clocks drift: a certificate minted a moment ago on a machine whose clock runs slightly
// ahead is still accepted, as grid tools backdate proxies by a few minutes for this reason.
const NOT_BEFORE_SKEW_SECONDS = 300;

function toCredential(input: CertificateInput): X509Credential {
  if (input instanceof X509Credential) return input;
  if (input instanceof X509Certificate) return new X509Credential({ certificates: [input] });
  if (typeof input === "string") return loadX509CertificateFile(input);
  throw new TypeError(
    "validateCertificate expects a file path, an X509Credential or a crypto.X509Certificate",
  );
}

function describe(cred: X509Credential): string {
  return cred.path === undefined ? `"${cred.subject}"` : cred.path;
}

function checkTimeleft(timeleft: number): void {
  if (typeof timeleft !== "number" || Number.isNaN(timeleft)) {
    throw new TypeError(`timeleft must be a number of seconds, not ${String(timeleft)}`);
  }
}

/**
 * Check that an X.509 certificate is usable for at least `timeleft` more seconds: not
 * expired, not expiring sooner than that, and already valid.
 *
 * Throws an {@link IgwnAuthError} with code `ERR_INVALID_CERTIFICATE` that names the file and
 * says how much time is left, or `ERR_FILE_READ` when the file cannot be read.
 *
 * @param certOrPath - a PEM file path, a loaded {@link X509Credential} or a `crypto.X509Certificate`.
 * @param timeleft - the minimum remaining lifetime, in seconds (default 600).
 * @example
 * ```ts
 * validateCertificate("/tmp/x509up_u1000", 3600); // throws unless an hour is left
 * ```
 * @category X.509
 */
export function validateCertificate(
  certOrPath: CertificateInput,
  timeleft: number = DEFAULT_TIMELEFT,
): void {
  checkTimeleft(timeleft);
  const cred = toCredential(certOrPath);
  const now = Date.now();
  const left = cred.timeLeft(now);
  if (left < timeleft) {
    const when =
      left <= 0
        ? `it expired at ${cred.notAfter.toISOString()} (${formatDuration(-left)} ago)`
        : `it expires at ${cred.notAfter.toISOString()} (${formatDuration(left)} from now)`;
    throw new IgwnAuthError(
      `X.509 certificate ${describe(cred)} has less than ${formatDuration(timeleft)} left: ${when}`,
      { code: ErrorCode.INVALID_CERTIFICATE },
    );
  }
  const early = (cred.notBefore.getTime() - now) / 1000;
  if (early > NOT_BEFORE_SKEW_SECONDS) {
    throw new IgwnAuthError(
      `X.509 certificate ${describe(cred)} is not valid yet: it becomes valid at ` +
        `${cred.notBefore.toISOString()} (${Math.ceil(early)} seconds from now)`,
      { code: ErrorCode.INVALID_CERTIFICATE },
    );
  }
}

/**
 * Whether an X.509 certificate is usable for at least `timeleft` more seconds; `false` also
 * when the file cannot be read or holds no certificate.
 *
 * @example
 * ```ts
 * if (!isValidCertificate(proxyPath)) console.error("renew your proxy");
 * ```
 * @category X.509
 */
export function isValidCertificate(
  certOrPath: CertificateInput,
  timeleft: number = DEFAULT_TIMELEFT,
): boolean {
  checkTimeleft(timeleft);
  try {
    validateCertificate(certOrPath, timeleft);
    return true;
  } catch (err) {
    if (err instanceof IgwnAuthError) return false;
    throw err;
  }
}
