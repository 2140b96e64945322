// Bearer tokens in a diagnosis: the token given with --token, judged against the URL's
// audience, or every discovery candidate for it.
import { IgwnAuthError } from "../../lib/errors.js";
import { isInsecureTransport } from "../../lib/origin.js";
import { requestAudience } from "../../scitokens/audience.js";
import { deserializeToken } from "../../scitokens/deserialize.js";
import { explainScitokenDiscovery } from "../../scitokens/discover.js";
import { claimsRequest, evaluateTokenClaims } from "../../scitokens/enforce.js";
import type { SciToken } from "../../scitokens/token.js";
import type { AuthFlags } from "../auth-flags.js";
import { readTokenFlag, verificationFrom } from "../session-options.js";
import { summariseCandidate } from "../token-candidates.js";
import { modeOf, type TokenChoice, type TokenDiagnosis } from "./types.js";

function choice(token: SciToken, source: string, path?: string): TokenChoice {
  const left = token.timeLeft();
  const { claims } = summariseCandidate({ source, accepted: true, reason: "", token });
  return {
    source,
    ...(path !== undefined ? { path } : {}),
    claims,
    timeLeft: Number.isFinite(left) ? Math.floor(left) : null,
  };
}

async function tokenExplicit(
  flags: AuthFlags,
  base: Omit<TokenDiagnosis, "candidates" | "selected">,
): Promise<TokenDiagnosis> {
  const path = flags.token as string;
  const source = `--token (${path})`;
  let raw: string;
  try {
    raw = await readTokenFlag(path);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      ...base,
      candidates: [{ source, path, accepted: false, reason }],
      selected: null,
      problem: `requests would fail: ${reason}`,
    };
  }
  // The token is sent as is; verifying it here only tells the user whether it will do.
  try {
    const token = await deserializeToken(raw, verificationFrom(flags));
    const request = claimsRequest(base.audience, base.scope ?? undefined, {
      ...(base.issuer ? { issuer: base.issuer } : {}),
    });
    const verdict = evaluateTokenClaims(token.claims, request, Date.now() / 1000);
    const reason = verdict.reason === null ? "given explicitly, and valid" : "given explicitly";
    const candidate = summariseCandidate({ source, path, accepted: true, reason, token });
    return {
      ...base,
      candidates: [candidate],
      selected: choice(token, source, path),
      ...(verdict.reason === null
        ? {}
        : { problem: `the token given is sent as is, but ${verdict.reason}` }),
    };
  } catch (err) {
    if (!(err instanceof IgwnAuthError)) throw err;
    return {
      ...base,
      candidates: [{ source, path, accepted: true, reason: "given explicitly" }],
      selected: { source, path, claims: {}, timeLeft: null },
      problem: `the token given is sent as is, but ${err.message}`,
    };
  }
}

export async function diagnoseToken(
  url: string,
  flags: AuthFlags,
  noAuth: boolean,
): Promise<TokenDiagnosis> {
  const { mode, why } = modeOf(flags.token, "--token", "IGWN_AUTH_UTILS_FIND_SCITOKEN", noAuth);
  const base = {
    mode,
    why,
    audience: flags.audience ?? requestAudience(url),
    scope: flags.scope ?? null,
    issuer: flags.issuer ?? null,
  };
  if (mode === "off") return { ...base, candidates: [], selected: null };
  if (mode === "explicit") return tokenExplicit(flags, base);
  const reports = await explainScitokenDiscovery(base.audience, flags.scope, {
    ...verificationFrom(flags),
    ...(flags.issuer ? { issuer: flags.issuer } : {}),
    exhaustive: true,
  });
  const chosen = reports.find((r) => r.accepted && r.token);
  const candidates = reports.map(summariseCandidate);
  if (!chosen?.token) {
    return {
      ...base,
      candidates,
      selected: null,
      ...(mode === "required"
        ? { problem: "a token is required, and requests would fail without one" }
        : {}),
    };
  }
  const insecure = isInsecureTransport(new URL(url));
  return {
    ...base,
    candidates,
    selected: insecure ? null : choice(chosen.token, chosen.source, chosen.path),
    ...(insecure
      ? {
          problem:
            "a discovered token is never sent over plain http to a host that is not this machine",
        }
      : {}),
  };
}
