// What the CLI shows of an X.509 credential: names, dates and kind, never the key.
import type { X509Credential } from "../x509/credential.js";
import type { X509CandidateReport } from "../x509/discovery.js";
import { formatInstant, formatTimeLeft, table } from "./format.js";
import { mark } from "./output.js";

/** A certificate as `--json` shows it. */
export interface X509Summary {
  source: string;
  certPath?: string;
  keyPath?: string;
  subject: string;
  issuer: string;
  /** The subject of the user certificate behind a proxy (the leaf's own subject otherwise). */
  identity: string;
  isProxy: boolean;
  keyType: string;
  notBefore: string;
  notAfter: string;
  /** Seconds until `notAfter`. */
  timeLeft: number;
  /** Certificates in the file, the leaf first. */
  chainLength: number;
  /** Whether the certificate file holds its private key too. */
  keyInFile: boolean;
}

/** The summary of a credential found at `source`. */
export function summariseX509(
  credential: X509Credential,
  where: { source: string; certPath?: string | undefined; keyPath?: string | undefined },
): X509Summary {
  return {
    source: where.source,
    ...(where.certPath !== undefined ? { certPath: where.certPath } : {}),
    ...(where.keyPath !== undefined ? { keyPath: where.keyPath } : {}),
    subject: credential.subject,
    issuer: credential.issuer,
    identity: credential.identity,
    isProxy: credential.isProxy,
    keyType: credential.keyType,
    notBefore: formatInstant(credential.notBefore),
    notAfter: formatInstant(credential.notAfter),
    timeLeft: Math.floor(credential.timeLeft()),
    chainLength: credential.certificates.length,
    keyInFile: credential.hasPrivateKey,
  };
}

/** Where a credential came from, as one phrase: `X509_USER_PROXY (/tmp/x509up_u1000)`. */
export function x509Where(summary: Pick<X509Summary, "source" | "certPath" | "keyPath">): string {
  const paths = [summary.certPath, summary.keyPath].filter((p) => p !== undefined);
  return paths.length > 0 ? `${summary.source} (${paths.join(" + ")})` : summary.source;
}

/** The text `igwn-auth x509` prints. */
export function x509Text(summary: X509Summary): string[] {
  const rows: [string, string][] = [
    ["subject", summary.subject],
    ["issuer", summary.issuer],
  ];
  if (summary.identity !== summary.subject) rows.push(["identity", summary.identity]);
  rows.push(
    ["proxy", summary.isProxy ? "yes" : "no"],
    ["key type", summary.keyType],
    ["valid from", summary.notBefore],
    ["expires", `${summary.notAfter} (${formatTimeLeft(summary.timeLeft)})`],
    [
      "file holds",
      `${summary.chainLength} certificate${summary.chainLength === 1 ? "" : "s"}${summary.keyInFile ? " and the private key" : ""}`,
    ],
  );
  return [
    `X.509 ${summary.isProxy ? "proxy " : ""}certificate from ${x509Where(summary)}`,
    ...table(rows),
  ];
}

/** A discovery candidate as `--json` shows it. */
export function summariseX509Candidate(report: X509CandidateReport, chosen: boolean) {
  return {
    source: report.source,
    ...(report.certPath !== undefined ? { certPath: report.certPath } : {}),
    ...(report.keyPath !== undefined ? { keyPath: report.keyPath } : {}),
    checked: report.checked,
    accepted: chosen,
    reason:
      report.accepted && !chosen ? `${report.reason}, but an earlier one is used` : report.reason,
  };
}

/** The candidate discovery takes: the first accepted one. */
export function chosenX509(
  reports: readonly X509CandidateReport[],
): X509CandidateReport | undefined {
  return reports.find((r) => r.accepted && r.credential);
}

/** Candidate lines, `✓`/`✗`/`-` then where and why. */
export function x509CandidateLines(
  reports: readonly X509CandidateReport[],
  indent = "  ",
): string[] {
  const chosen = chosenX509(reports);
  return reports.map((r) => {
    const summary = summariseX509Candidate(r, r === chosen);
    return `${indent}${mark(summary.accepted, r.checked)} ${x509Where(r)}: ${summary.reason}`;
  });
}
