// Process warnings (the X.509 retirement notice, a candidate that failed to load) in the
// CLI's own voice and on one line each, instead of Node's `(node:1234) Warning: …` with a
// hint about Node's flags.
import { X509_RETIREMENT_WARNING_CODE } from "../x509/deprecation.js";
import { printError } from "./output.js";

const RETIREMENT =
  "identity-based X.509 credentials for LIGO.ORG are being retired; move to SciTokens " +
  "(htgettoken). Details: https://computing.docs.ligo.org/guide/compsoft/roadmap/LVK/x509_retirement/";

/** The one line printed for a warning. */
export function warningLine(warning: Error & { code?: string }): string {
  const text =
    warning.code === X509_RETIREMENT_WARNING_CODE
      ? RETIREMENT
      : warning.message.split("\n").join(" ");
  return `${warning.name}: ${text}`;
}

/** Print process warnings as `igwn-auth: <Type>: <message>`; NODE_NO_WARNINGS=1 silences them. */
export function showWarnings(): void {
  process.removeAllListeners("warning");
  if (process.env.NODE_NO_WARNINGS === "1" || process.execArgv.includes("--no-warnings")) return;
  process.on("warning", (warning) => printError(warningLine(warning)));
}
