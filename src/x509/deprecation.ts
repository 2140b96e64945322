/** The `code` of the process warning emitted by {@link warnX509Retirement}. */
export const X509_RETIREMENT_WARNING_CODE = "IGWN_AUTH_X509_RETIREMENT";

/** Why using an X.509 credential warns: LIGO.ORG has retired identity-based X.509 credentials. */
export const X509_RETIREMENT_MESSAGE = [
  "identity-based X.509 credentials for LIGO.ORG are retired: support for them was due to end",
  "on 20 May 2025 and IGWN services may refuse them, so move to SciTokens (htgettoken) or",
  "another supported credential.",
  "Details: https://computing.docs.ligo.org/guide/compsoft/roadmap/LVK/x509_retirement/",
  "Questions: open an IGWN Computing Help Desk ticket at",
  "https://git.ligo.org/computing/helpdesk/-/issues/new",
].join("\n");

let warned = false;

/**
 * Emit the X.509 retirement `DeprecationWarning`, once per process (as Python's warnings
 * filter shows it once per call site by default) — only when a credential is found or
 * presented, so that a user without X.509 never sees it.
 */
export function warnX509Retirement(): void {
  if (warned) return;
  warned = true;
  process.emitWarning(X509_RETIREMENT_MESSAGE, {
    type: "DeprecationWarning",
    code: X509_RETIREMENT_WARNING_CODE,
  });
}
