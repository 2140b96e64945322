// The shape of a diagnosis (what `igwn-auth diagnose --json` prints) and the mode rule
// shared by X.509 and tokens.
import { envFlag } from "../../lib/env.js";
import type { X509Summary } from "../describe-x509.js";
import type { TokenCandidateSummary } from "../token-candidates.js";

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
  /** Set when the file is there but cannot be used (too permissive, unreadable, invalid). */
  refused?: boolean;
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

/** How the flags (or, without one, the environment toggle) choose a kind of credential. */
export function modeOf(
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
