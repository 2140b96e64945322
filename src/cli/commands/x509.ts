// `igwn-auth x509`: which certificate discovery picks, its names, kind and time left.
import { explainX509Discovery, type X509CandidateReport } from "../../x509/discovery.js";
import { summariseX509, x509Text, x509Where } from "../describe-x509.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { mark, printJson, printLines } from "../output.js";

/** Flags of `igwn-auth x509`. */
export interface X509Flags {
  timeleft?: number;
  json?: boolean;
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

/** Run `igwn-auth x509`; resolves to the exit code. */
export async function runX509(flags: X509Flags): Promise<ExitCodeValue> {
  const reports = explainX509Discovery(
    flags.timeleft !== undefined ? { timeleft: flags.timeleft } : {},
  );
  const chosen = chosenX509(reports);
  if (!chosen?.credential) {
    if (flags.json) {
      printJson({
        found: false,
        candidates: reports.map((r) => summariseX509Candidate(r, false)),
      });
    } else {
      printLines(["No valid X.509 credential found. Looked at:", ...x509CandidateLines(reports)]);
    }
    return ExitCode.NO_CREDENTIAL;
  }
  const summary = summariseX509(chosen.credential, chosen);
  if (flags.json) printJson({ found: true, ...summary });
  else printLines(x509Text(summary));
  return ExitCode.OK;
}
