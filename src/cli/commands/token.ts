// `igwn-auth token`: which token discovery picks, where from, its claims and time left.
import { requestAudience } from "../../scitokens/audience.js";
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

// The enforcer refuses a token restricted to an audience when none is asked for.
const NO_AUDIENCE = /restricts the token to an audience, but none was requested/;

/** Run `igwn-auth token [URL]`; resolves to the exit code. */
export async function runToken(url: string | undefined, flags: TokenFlags): Promise<ExitCodeValue> {
  const audience = flags.audience ?? (url === undefined ? undefined : requestAudience(url));
  const reports = await explainScitokenDiscovery(audience, flags.scope, {
    ...verificationFrom(flags),
    ...(flags.issuer ? { issuer: flags.issuer } : {}),
    ...(flags.timeleft !== undefined ? { timeleft: flags.timeleft } : {}),
  });
  const chosen = reports.find((r) => r.accepted && r.token);
  const { text, ...wanted } = describeRequest({ ...flags, ...(audience ? { audience } : {}) });
  if (!chosen?.token) {
    if (flags.json) {
      printJson({ found: false, wanted, candidates: reports.map(summariseCandidate) });
    } else {
      const hint = reports.some((r) => NO_AUDIENCE.test(r.reason))
        ? ["(a token meant for one service is only valid with its URL or --audience)"]
        : [];
      printLines([
        `No valid SciToken found (wanted ${text}). Looked at:`,
        ...reports.map((r) => `  ${mark(false, somethingThere(r))} ${r.source}: ${r.reason}`),
        ...hint,
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
