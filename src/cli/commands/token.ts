// `igwn-auth token`: which token discovery picks, where from, its claims and time left.
import { explainScitokenDiscovery } from "../../scitokens/discover.js";
import type { DiscoveryFlags } from "../auth-flags.js";
import { summariseToken, tokenText } from "../describe-token.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { mark, printJson, printLines } from "../output.js";
import { verificationFrom } from "../session-options.js";
import { describeRequest, somethingThere, summariseCandidate } from "../token-candidates.js";

/** Flags of `igwn-auth token`. */
export interface TokenFlags extends DiscoveryFlags {
  timeleft?: number;
  raw?: boolean;
  json?: boolean;
}

/** Run `igwn-auth token`; resolves to the exit code. */
export async function runToken(flags: TokenFlags): Promise<ExitCodeValue> {
  const reports = await explainScitokenDiscovery(flags.audience, flags.scope, {
    ...verificationFrom(flags),
    ...(flags.issuer ? { issuer: flags.issuer } : {}),
    ...(flags.timeleft !== undefined ? { timeleft: flags.timeleft } : {}),
  });
  const chosen = reports.find((r) => r.accepted && r.token);
  const wanted = describeRequest(flags);
  if (!chosen?.token) {
    if (flags.json) {
      printJson({ found: false, wanted, candidates: reports.map(summariseCandidate) });
    } else {
      printLines([
        `No valid SciToken found (wanted ${wanted.text}). Looked at:`,
        ...reports.map((r) => `  ${mark(false, somethingThere(r))} ${r.source}: ${r.reason}`),
      ]);
    }
    return ExitCode.NO_CREDENTIAL;
  }
  const summary = summariseToken(chosen.token, chosen, flags.raw === true);
  if (flags.json) printJson({ found: true, ...summary });
  else if (flags.raw) printLines([chosen.token.serialized]);
  else printLines(tokenText(summary));
  return ExitCode.OK;
}
