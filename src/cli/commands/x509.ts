// `igwn-auth x509`: which certificate discovery picks, its names, kind and time left.
import { explainX509Discovery } from "../../x509/discovery.js";
import {
  chosenX509,
  summariseX509,
  summariseX509Candidate,
  x509CandidateLines,
  x509Text,
} from "../describe-x509.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { printJson, printLines } from "../output.js";

/** Flags of `igwn-auth x509`. */
export interface X509Flags {
  timeleft?: number;
  json?: boolean;
}

/** Run `igwn-auth x509`; resolves to the exit code. */
export async function runX509(flags: X509Flags): Promise<ExitCodeValue> {
  // `usable`: report what a Session would present, not merely what looks valid.
  const reports = explainX509Discovery({
    usable: true,
    ...(flags.timeleft !== undefined ? { timeleft: flags.timeleft } : {}),
  });
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
