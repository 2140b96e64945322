// What `igwn-auth diagnose URL` finds: every credential candidate a Session would look at
// for this URL with these flags, in the Session's own order (SPEC §3), and what it would
// send. Pure data; commands/diagnose.ts prints it.
import { existsSync } from "node:fs";
import { envFlag } from "../lib/env.js";
import { IgwnAuthError } from "../lib/errors.js";
import { isInsecureTransport } from "../lib/origin.js";
import { getNetrcAuth, netrcPath } from "../netrc/netrc.js";
import { targetAudience } from "../scitokens/audience.js";
import { deserializeToken } from "../scitokens/deserialize.js";
import { explainScitokenDiscovery } from "../scitokens/discover.js";
import { claimsRequest, evaluateTokenClaims } from "../scitokens/enforce.js";
import type { SciToken } from "../scitokens/token.js";
import { loadX509CertificateFile } from "../x509/credential.js";
import { explainX509Discovery } from "../x509/discovery.js";
import { DEFAULT_TIMELEFT, validateCertificate } from "../x509/validate.js";
import type { AuthFlags } from "./auth-flags.js";
import { chosenX509, summariseX509Candidate } from "./commands/x509.js";
import { summariseX509, type X509Summary } from "./describe-x509.js";
import { readTokenFlag, verificationFrom } from "./session-options.js";
import { summariseCandidate, type TokenCandidateSummary } from "./token-candidates.js";

/** How a kind of credential is chosen: as the flags (or the environment) say. */
export type Mode = "discover" | "required" | "explicit" | "off";

/** One X.509 candidate in a diagnosis. */
export interface X509CandidateLine {
  source: string;
  certPath?: string;
  keyPath?: string;
  checked: boolean;
  accepted: boolean;
  reason: string;
}

/** What was found for X.509. */
export interface X509Diagnosis {
  mode: Mode;
  /** Why this mode: `--cert false`, `IGWN_AUTH_UTILS_FIND_X509=0`, `--no-auth`, … */
  why: string;
  candidates: X509CandidateLine[];
  selected: X509Summary | null;
  /** A problem with the selected (explicit) certificate that would make requests fail. */
  problem?: string;
}

/** A token as the diagnosis describes it. */
export interface TokenChoice {
  source: string;
  path?: string;
  claims: TokenCandidateSummary["claims"];
  /** Seconds until `exp`, `null` without `exp`. */
  timeLeft: number | null;
}

/** What was found for bearer tokens. */
export interface TokenDiagnosis {
  mode: Mode;
  why: string;
  audience: string[];
  scope: string[] | null;
  issuer: string[] | null;
  candidates: TokenCandidateSummary[];
  selected: TokenChoice | null;
  /** Why a token that was found would still not be sent, or a doubt about an explicit one. */
  problem?: string;
}

/** What was found in netrc. */
export interface NetrcDiagnosis {
  /** Whether a Session would use netrc for this request (only when tokens are off). */
  used: boolean;
  path: string;
  /** The entry for the host (or `default`): the login only, never the password. */
  entry: { login: string } | null;
  reason: string;
}

/** A credential a request would carry. */
export type CredentialLine =
  | { kind: "x509"; source: string; subject: string; isProxy: boolean }
  | { kind: "bearer"; source: string; sub?: unknown; scope?: unknown; timeLeft: number | null }
  | { kind: "basic"; source: string; login: string };

/** Everything `diagnose` reports. */
export interface Diagnosis {
  url: string;
  noAuth: boolean;
  x509: X509Diagnosis;
  token: TokenDiagnosis;
  netrc: NetrcDiagnosis;
  /** What a request to `url` would carry; empty: it would go unauthenticated. */
  credentials: CredentialLine[];
}

function modeOf(
  flag: string | false | undefined,
  flagName: string,
  envName: string,
  noAuth: boolean,
): { mode: Mode; why: string } {
  if (noAuth) return { mode: "off", why: "--no-auth" };
  if (flag === false) return { mode: "off", why: `${flagName} false` };
  if (flag !== undefined) return { mode: "explicit", why: `${flagName} ${flag}` };
  const env = envFlag(envName);
  if (env === false) return { mode: "off", why: `${envName}=${process.env[envName]}` };
  if (env === true) return { mode: "required", why: `${envName}=${process.env[envName]}` };
  return { mode: "discover", why: "discovery" };
}

function x509Explicit(flags: AuthFlags, why: string): X509Diagnosis {
  const certPath = flags.cert as string;
  const keyPath = flags.key;
  const source = "--cert";
  const base = { source, certPath, ...(keyPath !== undefined ? { keyPath } : {}) };
  try {
    const credential = loadX509CertificateFile(certPath);
    const selected = summariseX509(credential, base);
    try {
      validateCertificate(credential, 0);
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      return {
        mode: "explicit",
        why,
        candidates: [{ ...base, checked: true, accepted: true, reason: "given explicitly" }],
        selected,
        problem: `the certificate given is presented as is, but ${problem}`,
      };
    }
    return {
      mode: "explicit",
      why,
      candidates: [{ ...base, checked: true, accepted: true, reason: "given explicitly" }],
      selected,
    };
  } catch (err) {
    const problem = err instanceof Error ? err.message : String(err);
    return {
      mode: "explicit",
      why,
      candidates: [{ ...base, checked: true, accepted: false, reason: problem }],
      selected: null,
      problem: `requests would fail: ${problem}`,
    };
  }
}

function diagnoseX509(url: string, flags: AuthFlags, noAuth: boolean): X509Diagnosis {
  const found = findX509(flags, noAuth);
  if (!found.selected || new URL(url).protocol === "https:") return found;
  return {
    ...found,
    selected: null,
    problem: "plain http has no TLS, so no client certificate is presented",
  };
}

function findX509(flags: AuthFlags, noAuth: boolean): X509Diagnosis {
  const { mode, why } = modeOf(flags.cert, "--cert", "IGWN_AUTH_UTILS_FIND_X509", noAuth);
  if (mode === "off") return { mode, why, candidates: [], selected: null };
  if (mode === "explicit") return x509Explicit(flags, why);
  const reports = explainX509Discovery({ timeleft: DEFAULT_TIMELEFT });
  const chosen = chosenX509(reports);
  return {
    mode,
    why,
    candidates: reports.map((r) => summariseX509Candidate(r, r === chosen)),
    selected: chosen?.credential ? summariseX509(chosen.credential, chosen) : null,
    ...(mode === "required" && !chosen
      ? { problem: "a certificate is required, and requests would fail without one" }
      : {}),
  };
}

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

async function diagnoseToken(
  url: string,
  flags: AuthFlags,
  noAuth: boolean,
): Promise<TokenDiagnosis> {
  const { mode, why } = modeOf(flags.token, "--token", "IGWN_AUTH_UTILS_FIND_SCITOKEN", noAuth);
  const base = {
    mode,
    why,
    audience: flags.audience ?? targetAudience(url, false),
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

function diagnoseNetrc(url: string, tokenMode: Mode, noAuth: boolean): NetrcDiagnosis {
  const used = !noAuth && tokenMode === "off";
  const path = netrcPath();
  const host = new URL(url).hostname;
  let entry: { login: string } | null = null;
  let reason: string;
  if (!existsSync(path)) {
    reason = `${path} does not exist`;
  } else {
    try {
      const found = getNetrcAuth(url, { raiseErrors: true });
      entry = found ? { login: found[0] } : null;
      reason = found
        ? `${path} has an entry for ${host} (login ${found[0]})`
        : `${path} has no entry for ${host} and no default`;
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
  }
  if (entry && used && isInsecureTransport(new URL(url))) {
    return {
      used,
      path,
      entry,
      reason: `${reason}, but a netrc password is never sent over plain http to a host that is not this machine`,
    };
  }
  return { used, path, entry, reason };
}

function credentialsOf(diagnosis: Omit<Diagnosis, "credentials">): CredentialLine[] {
  const lines: CredentialLine[] = [];
  const cert = diagnosis.x509.selected;
  if (cert) {
    lines.push({
      kind: "x509",
      source: cert.source,
      subject: cert.subject,
      isProxy: cert.isProxy,
    });
  }
  const token = diagnosis.token.selected;
  if (token) {
    lines.push({
      kind: "bearer",
      source: token.source,
      ...(token.claims?.sub !== undefined ? { sub: token.claims.sub } : {}),
      ...(token.claims?.scope !== undefined ? { scope: token.claims.scope } : {}),
      timeLeft: token.timeLeft,
    });
  }
  const { netrc } = diagnosis;
  if (netrc.used && netrc.entry && !isInsecureTransport(new URL(diagnosis.url))) {
    lines.push({ kind: "basic", source: `netrc (${netrc.path})`, login: netrc.entry.login });
  }
  return lines;
}

/** Diagnose which credentials a request to `url` with these flags would carry, and why. */
export async function diagnose(url: string, flags: AuthFlags): Promise<Diagnosis> {
  const noAuth = flags.auth === false;
  const x509 = diagnoseX509(url, flags, noAuth);
  const token = await diagnoseToken(url, flags, noAuth);
  const netrc = diagnoseNetrc(url, token.mode, noAuth);
  const partial = { url, noAuth, x509, token, netrc };
  return { ...partial, credentials: credentialsOf(partial) };
}
