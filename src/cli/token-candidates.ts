// Token discovery candidates as the CLI reports them.
import type { ScitokenCandidateReport } from "../scitokens/discover.js";
import type { DiscoveryFlags } from "./auth-flags.js";
import { formatValue } from "./format.js";

/** A candidate as `--json` shows it: never the token itself. */
export interface TokenCandidateSummary {
  source: string;
  path?: string;
  accepted: boolean;
  reason: string;
  /** The claims that decide whether it fits, when a token was loaded. */
  claims?: { iss?: unknown; sub?: unknown; aud?: unknown; scope?: unknown; exp?: unknown };
}

// Reasons that mean "nothing there", as opposed to a token that was looked at and refused.
const NOTHING_THERE =
  /^(not set|is empty|does not exist|has no \*\.use files|\$XDG_RUNTIME_DIR is not set)$/;

/** Whether there was something at this candidate (a token, or a file that could not be used). */
export function somethingThere(candidate: {
  reason: string;
  token?: unknown;
  claims?: unknown;
}): boolean {
  return (
    candidate.token !== undefined ||
    candidate.claims !== undefined ||
    !NOTHING_THERE.test(candidate.reason)
  );
}

/** The JSON form of one candidate. */
export function summariseCandidate(report: ScitokenCandidateReport): TokenCandidateSummary {
  const claims = report.token?.claims;
  return {
    source: report.source,
    ...(report.path !== undefined ? { path: report.path } : {}),
    accepted: report.accepted,
    reason: report.reason,
    ...(claims
      ? {
          claims: {
            iss: claims.iss,
            sub: claims.sub,
            aud: claims.aud,
            scope: claims.scope ?? claims.scp,
            exp: claims.exp,
          },
        }
      : {}),
  };
}

/** What a discovery asks for, as data and as a phrase. */
export function describeRequest(flags: Pick<DiscoveryFlags, "audience" | "scope" | "issuer">): {
  audience: string[] | null;
  scope: string[] | null;
  issuer: string[] | null;
  text: string;
} {
  const parts = [
    `audience ${flags.audience ? formatValue(flags.audience) : "none given"}`,
    `scope ${flags.scope ? flags.scope.join(" ") : "any"}`,
    `issuer ${flags.issuer ? formatValue(flags.issuer) : "any"}`,
  ];
  return {
    audience: flags.audience ?? null,
    scope: flags.scope ?? null,
    issuer: flags.issuer ?? null,
    text: parts.join(", "),
  };
}
