// What `igwn-auth diagnose URL` finds: every credential candidate a Session would look at
// for this URL with these flags, in the Session's own order (SPEC §3), and what it would
// send. Pure data; commands/diagnose.ts prints it.
import { isInsecureTransport } from "../lib/origin.js";
import { redactUrl } from "../lib/redact-url.js";
import type { AuthFlags } from "./auth-flags.js";
import { diagnoseNetrc } from "./diagnosis/netrc.js";
import { diagnoseToken } from "./diagnosis/token.js";
import type { CredentialLine, Diagnosis } from "./diagnosis/types.js";
import { diagnoseX509 } from "./diagnosis/x509.js";

export type {
  CredentialLine,
  Diagnosis,
  Mode,
  NetrcDiagnosis,
  TokenChoice,
  TokenDiagnosis,
  X509CandidateLine,
  X509Diagnosis,
} from "./diagnosis/types.js";

function credentialsOf(diagnosis: Omit<Diagnosis, "credentials">): CredentialLine[] {
  const lines: CredentialLine[] = [];
  const cert = diagnosis.x509.selected;
  if (cert) {
    lines.push({
      kind: "x509",
      source: cert.source,
      subject: cert.subject,
      isProxy: cert.isProxy,
    });
  }
  const token = diagnosis.token.selected;
  if (token) {
    lines.push({
      kind: "bearer",
      source: token.source,
      ...(token.claims?.sub !== undefined ? { sub: token.claims.sub } : {}),
      ...(token.claims?.scope !== undefined ? { scope: token.claims.scope } : {}),
      timeLeft: token.timeLeft,
    });
  }
  const { netrc } = diagnosis;
  if (netrc.used && netrc.entry && !isInsecureTransport(new URL(diagnosis.url))) {
    lines.push({ kind: "basic", source: `netrc (${netrc.path})`, login: netrc.entry.login });
  }
  return lines;
}

/** Diagnose which credentials a request to `url` with these flags would carry, and why. */
export async function diagnose(url: string, flags: AuthFlags): Promise<Diagnosis> {
  const noAuth = flags.auth === false;
  const x509 = diagnoseX509(url, flags, noAuth);
  const token = await diagnoseToken(url, flags, noAuth);
  const netrc = diagnoseNetrc(url, token.mode, noAuth);
  // What is shown of the URL: a password or a token written into it stays out.
  const partial = { url: redactUrl(url), noAuth, x509, token, netrc };
  return { ...partial, credentials: credentialsOf(partial) };
}
