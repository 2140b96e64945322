// `igwn-auth diagnose URL`: every credential candidate looked at, in order, why each was
// taken or passed over, and what a request would carry — the answer to "why is my
// request not authenticated?".
import { type AuthFlags, checkAuthFlags } from "../auth-flags.js";
import { x509Where } from "../describe-x509.js";
import { type CredentialLine, type Diagnosis, diagnose } from "../diagnosis.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { formatTimeLeft, formatValue } from "../format.js";
import { mark, printJson, printLines } from "../output.js";
import { somethingThere, type TokenCandidateSummary } from "../token-candidates.js";

/** Flags of `igwn-auth diagnose`. */
export interface DiagnoseFlags extends AuthFlags {
  json?: boolean;
}

function tokenCandidateLine(c: TokenCandidateSummary): string {
  const there = somethingThere(c);
  const claims = c.claims
    ? ` [${[
        c.claims.sub !== undefined ? `sub ${formatValue(c.claims.sub)}` : "",
        c.claims.aud !== undefined ? `aud ${formatValue(c.claims.aud)}` : "",
        c.claims.scope !== undefined ? `scope ${formatValue(c.claims.scope)}` : "",
      ]
        .filter(Boolean)
        .join(", ")}]`
    : "";
  return `  ${mark(c.accepted, there)} ${c.source}: ${c.reason}${claims}`;
}

function x509Section(d: Diagnosis): string[] {
  const { x509 } = d;
  if (x509.mode === "off") return [`X.509 certificate: off (${x509.why})`];
  const heading =
    x509.mode === "explicit"
      ? `X.509 certificate: given with ${x509.why}`
      : `X.509 certificate: ${x509.mode === "required" ? `required (${x509.why})` : "discovery"}, the first valid one of`;
  return [
    heading,
    ...x509.candidates.map((c) => `  ${mark(c.accepted, c.checked)} ${x509Where(c)}: ${c.reason}`),
    ...(x509.problem ? [`  ! ${x509.problem}`] : []),
  ];
}

function tokenSection(d: Diagnosis): string[] {
  const { token } = d;
  if (token.mode === "off") return [`SciToken: off (${token.why})`];
  const wanted = [
    `audience ${token.audience.join(", ")}`,
    `scope ${token.scope ? token.scope.join(" ") : "any"}`,
    `issuer ${token.issuer ? token.issuer.join(", ") : "any"}`,
  ].join(", ");
  const heading =
    token.mode === "explicit"
      ? `SciToken: given with ${token.why} (checked against ${wanted})`
      : `SciToken: ${token.mode === "required" ? `required (${token.why})` : "discovery"} for ${wanted}, the first valid one of`;
  return [
    heading,
    ...token.candidates.map(tokenCandidateLine),
    ...(token.problem ? [`  ! ${token.problem}`] : []),
  ];
}

function netrcSection(d: Diagnosis): string[] {
  const { netrc } = d;
  const status = d.noAuth
    ? "not used (--no-auth)"
    : netrc.used
      ? "used, as tokens are off"
      : "not used: netrc is only used when tokens are off (--token false)";
  return [
    `netrc (basic auth): ${status}`,
    `  ${mark(netrc.used && netrc.entry !== null, netrc.entry !== null)} ${netrc.reason}`,
  ];
}

function credentialText(c: CredentialLine): string {
  switch (c.kind) {
    case "x509":
      return `X.509 ${c.isProxy ? "proxy " : ""}certificate ${c.subject} (from ${c.source})`;
    case "bearer": {
      const about = [
        c.sub !== undefined ? `sub ${formatValue(c.sub)}` : "",
        c.scope !== undefined ? `scope ${formatValue(c.scope)}` : "",
        c.timeLeft === null ? "" : formatTimeLeft(c.timeLeft),
      ].filter(Boolean);
      return `bearer token from ${c.source}${about.length > 0 ? ` (${about.join(", ")})` : ""}`;
    }
    case "basic":
      return `basic auth for ${c.login} from ${c.source}`;
  }
}

function whyNothing(d: Diagnosis): string {
  if (d.noAuth) return "--no-auth sends nothing";
  const missing: string[] = [];
  const plainHttp = new URL(d.url).protocol === "http:";
  if (d.x509.mode !== "off" && !d.x509.selected) {
    missing.push(plainHttp ? "plain http presents no certificate" : "no valid X.509 certificate");
  }
  if (d.token.mode !== "off" && !d.token.selected) {
    const found = d.token.candidates.some((c) => c.accepted);
    missing.push(
      found && plainHttp
        ? "a discovered token is not sent over plain http"
        : "no valid token for this audience and scope (get one with htgettoken)",
    );
  }
  if (d.netrc.used && !d.netrc.entry) {
    // The same words as the netrc line: a file refused is not a file without an entry.
    missing.push(d.netrc.refused ? d.netrc.reason : "no netrc entry for this host");
  }
  if (d.x509.mode === "off" && d.token.mode === "off" && !d.netrc.used) {
    missing.push("tokens and X.509 are off");
  }
  return missing.join("; ");
}

function verdict(d: Diagnosis): string[] {
  if (d.credentials.length === 0) {
    return [`Verdict: no credential would be sent to ${d.url} (${whyNothing(d)})`];
  }
  return [
    `Verdict: a request to ${d.url} would carry`,
    ...d.credentials.map((c) => `  • ${credentialText(c)}`),
  ];
}

/** The text `igwn-auth diagnose` prints. */
export function diagnosisText(d: Diagnosis): string[] {
  return [
    `Credentials for ${d.url}`,
    "",
    ...x509Section(d),
    "",
    ...tokenSection(d),
    "",
    ...netrcSection(d),
    "",
    ...verdict(d),
  ];
}

/** Run `igwn-auth diagnose URL`: exit 0 when a credential would be sent, 2 when none. */
export async function runDiagnose(url: string, flags: DiagnoseFlags): Promise<ExitCodeValue> {
  checkAuthFlags(flags);
  const result = await diagnose(url, flags);
  if (flags.json) printJson({ ...result, authenticated: result.credentials.length > 0 });
  else printLines(diagnosisText(result));
  return result.credentials.length > 0 ? ExitCode.OK : ExitCode.NO_CREDENTIAL;
}
