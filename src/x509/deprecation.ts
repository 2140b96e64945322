/** The `code` of the process warning emitted by {@link warnX509Retirement}. */
export const X509_RETIREMENT_WARNING_CODE = "IGWN_AUTH_X509_RETIREMENT";

/** Why X.509 discovery warns: LIGO.ORG is retiring identity-based X.509 credentials. */
export const X509_RETIREMENT_MESSAGE = [
  "identity-based X.509 credentials for LIGO.ORG are being retired: support for them ends on",
  "or around 20 May 2025, so move to SciTokens (htgettoken) or another supported credential.",
  "Details: https://computing.docs.ligo.org/guide/compsoft/roadmap/LVK/x509_retirement/",
  "Questions: open an IGWN Computing Help Desk ticket at",
  "https://git.ligo.org/computing/helpdesk/-/issues/new",
].join("\n");

let warned = false;

/**
 * Emit the X.509 retirement `DeprecationWarning`, once per process (as Python's warnings
 * filter shows it once per call site by default).
 */
export function warnX509Retirement(): void {
  if (warned) return;
  warned = true;
  process.emitWarning(X509_RETIREMENT_MESSAGE, {
    type: "DeprecationWarning",
    code: X509_RETIREMENT_WARNING_CODE,
  });
}
