// `igwn-auth token`: which token discovery picks, where from, its claims and time left.
import { requestAudience } from "../../scitokens/audience.js";
import {
  explainScitokenDiscovery,
  type ScitokenCandidateReport,
} from "../../scitokens/discover.js";
import { checkTokenClaims, claimsRequest } from "../../scitokens/enforce.js";
import type { SciToken } from "../../scitokens/token.js";
import type { DiscoveryFlags } from "../auth-flags.js";
import { summariseToken, tokenText } from "../describe-token.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { mark, printErrorLines, printJson, printLines } from "../output.js";
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

/**
 * Without a URL or --audience, any audience will do: a token refused only because it names
 * its audiences is judged again as if one of them had been asked for, and those audiences
 * are what it is valid for.
 */
function anyAudienceChoice(
  reports: readonly ScitokenCandidateReport[],
  flags: TokenFlags,
): ScitokenCandidateReport | undefined {
  for (const report of reports) {
    if (!report.token) continue;
    if (report.accepted) return report;
    if (!NO_AUDIENCE.test(report.reason)) continue;
    const aud = report.token.claims.aud;
    const own = (Array.isArray(aud) ? aud : [aud]).filter(
      (a): a is string => typeof a === "string",
    );
    const request = claimsRequest(own, flags.scope, {
      ...(flags.issuer ? { issuer: flags.issuer } : {}),
      ...(flags.timeleft !== undefined ? { timeleft: flags.timeleft } : {}),
    });
    if (checkTokenClaims(report.token.claims, request) === null) return report;
  }
  return undefined;
}

/** The audiences a token is valid for: its `aud`, or any for a token without one. */
function validFor(token: SciToken): string[] {
  const aud = token.claims.aud;
  if (aud === undefined) return ["any (the token has no aud)"];
  return (Array.isArray(aud) ? aud : [aud]).map(String);
}

/** Run `igwn-auth token [URL]`; resolves to the exit code. */
export async function runToken(url: string | undefined, flags: TokenFlags): Promise<ExitCodeValue> {
  const audience = flags.audience ?? (url === undefined ? undefined : requestAudience(url));
  const anyAudience = audience === undefined;
  const reports = await explainScitokenDiscovery(audience, flags.scope, {
    ...verificationFrom(flags),
    ...(flags.issuer ? { issuer: flags.issuer } : {}),
    ...(flags.timeleft !== undefined ? { timeleft: flags.timeleft } : {}),
    // Without an audience every token is judged, so the first one that will do is found.
    ...(anyAudience ? { exhaustive: true } : {}),
  });
  const chosen = anyAudience
    ? anyAudienceChoice(reports, flags)
    : reports.find((r) => r.accepted && r.token);
  const { text, ...wanted } = describeRequest({ ...flags, ...(audience ? { audience } : {}) });
  if (!chosen?.token) {
    if (flags.json) {
      printJson({ found: false, wanted, candidates: reports.map(summariseCandidate) });
      return ExitCode.NO_CREDENTIAL;
    }
    const lines = [
      `No valid SciToken found (wanted ${anyAudience ? text.replace("audience none given", "any audience") : text}). Looked at:`,
      ...reports.map((r) => `  ${mark(false, somethingThere(r))} ${r.source}: ${r.reason}`),
    ];
    // stdout holds a token or nothing: TOKEN=$(igwn-auth token --raw) is safe.
    if (flags.raw) printErrorLines(lines);
    else printLines(lines);
    return ExitCode.NO_CREDENTIAL;
  }
  const summary = summariseToken(chosen.token, chosen, flags.raw === true);
  const audiences = validFor(chosen.token);
  if (flags.json) printJson({ found: true, ...summary, validFor: audiences });
  else if (flags.raw) printLines([chosen.token.serialized]);
  else printLines([...tokenText(summary), `  valid for  ${audiences.join(", ")}`]);
  return ExitCode.OK;
}
