// Load and judge each discovery candidate in turn: the one walk behind findScitoken,
// explainScitokenDiscovery and the discovery cache. Internal.
import { debug } from "../lib/debug.js";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { identityOfStats, type PathState, pathStateOf } from "../lib/fingerprint.js";
import { readCredentialFile } from "../lib/read-file.js";
import type { Candidate } from "./candidates.js";
import { type DeserializeOptions, deserializeToken, MAX_TOKEN_BYTES } from "./deserialize.js";
import { type ClaimsRequest, evaluateTokenClaims } from "./enforce.js";
import type { SciToken } from "./token.js";

/**
 * How long a candidate whose issuer keys could not be fetched is passed over before it is
 * tried again: long enough not to hammer an issuer that is down, short enough that a
 * blip does not leave requests without a token for long.
 */
export const KEY_RETRY_SECONDS = 30;

/** What became of one candidate. */
export interface CandidateOutcome {
  /** Where: `$SCITOKEN`, `$BEARER_TOKEN_FILE (/path)`, `/tmp/bt_u1000`, … */
  readonly source: string;
  readonly path?: string;
  readonly accepted: boolean;
  /** Why it was passed over (or `valid`); never contains the token. */
  readonly reason: string;
  /** The token, when one was loaded (accepted or not). */
  readonly token?: SciToken;
  /** Why a token that was there could not be loaded (read, parsed or verified). */
  readonly error?: IgwnAuthError;
  /** For files: what was read (or found) at `path`. */
  readonly state?: PathState;
  /** When this outcome may change with no change on disk (Unix seconds). */
  readonly changesAt: number;
}

/** Counters the discovery cache's tests read to prove work was (not) done. */
export interface WalkCounters {
  /** Tokens parsed and verified. */
  loads: number;
}

export interface WalkOptions {
  readonly deserialize: DeserializeOptions;
  readonly counters?: WalkCounters;
  /** The clock (Unix seconds); default now. */
  readonly now?: () => number;
}

const NEVER = Number.POSITIVE_INFINITY;

function loadError(source: string, err: unknown): IgwnAuthError {
  if (err instanceof IgwnAuthError) return err;
  // deserializeToken only throws IgwnAuthError or TypeError (a bad option): keep any other
  // surprise inside the contract rather than let it escape discovery.
  const message = err instanceof Error ? err.message : String(err);
  return new IgwnAuthError(`the token in ${source} could not be loaded: ${message}`, {
    code: ErrorCode.INVALID_TOKEN,
    cause: err,
  });
}

function retryAfterError(err: IgwnAuthError, now: number): number {
  // An issuer that could not be reached may be back soon; a malformed or badly signed
  // token stays bad until the file changes.
  return err.code === ErrorCode.KEY_RETRIEVAL ? now + KEY_RETRY_SECONDS : NEVER;
}

async function judge(
  candidate: Exclude<Candidate, { kind: "note" }>,
  raw: string,
  request: ClaimsRequest,
  options: WalkOptions,
  state: PathState | undefined,
): Promise<CandidateOutcome> {
  const path = candidate.kind === "file" ? { path: candidate.path } : {};
  const base = { source: candidate.source, ...path, ...(state ? { state } : {}) };
  if (raw.trim() === "") {
    return { ...base, accepted: false, reason: "is empty", changesAt: NEVER };
  }
  let token: SciToken;
  try {
    if (options.counters) options.counters.loads += 1;
    token = await deserializeToken(raw, options.deserialize);
  } catch (err) {
    if (err instanceof TypeError) throw err;
    const error = loadError(candidate.source, err);
    const now = options.now?.() ?? Date.now() / 1000;
    return {
      ...base,
      accepted: false,
      reason: error.message,
      error,
      changesAt: retryAfterError(error, now),
    };
  }
  const now = options.now?.() ?? Date.now() / 1000;
  const verdict = evaluateTokenClaims(token.claims, request, now);
  return {
    ...base,
    accepted: verdict.reason === null,
    reason: verdict.reason ?? "valid",
    token,
    changesAt: verdict.changesAt,
  };
}

async function readCandidate(
  candidate: Extract<Candidate, { kind: "file" }>,
): Promise<{ text: string; state: PathState } | CandidateOutcome> {
  try {
    // One descriptor for the content and its stat: a file renamed over the path while we
    // read can never pair one file's content with another's identity.
    const file = await readCredentialFile(candidate.path, {
      what: "token file",
      maxBytes: MAX_TOKEN_BYTES,
    });
    return { text: file.text, state: identityOfStats(file.stats) };
  } catch (err) {
    const state = pathStateOf(candidate.path);
    const base = { source: candidate.source, path: candidate.path, accepted: false, state };
    const code = (err as { cause?: NodeJS.ErrnoException }).cause?.code;
    // A default location with no file is the normal case, not an error.
    if (code === "ENOENT") return { ...base, reason: "does not exist", changesAt: NEVER };
    const error = loadError(candidate.source, err);
    return { ...base, reason: error.message, error, changesAt: NEVER };
  }
}

/**
 * Load and judge candidates in order, yielding each outcome as it is known; the caller
 * stops iterating when it has what it needs (so later tokens are never read).
 *
 * @throws {TypeError} only for a bad deserialize option; every problem with a token or
 * file is an outcome, not an exception.
 */
export async function* walkCandidates(
  candidates: readonly Candidate[],
  request: ClaimsRequest,
  options: WalkOptions,
): AsyncGenerator<CandidateOutcome> {
  for (const candidate of candidates) {
    if (candidate.kind === "note") {
      const path = candidate.path === undefined ? {} : { path: candidate.path };
      yield {
        source: candidate.source,
        ...path,
        accepted: false,
        reason: candidate.reason,
        changesAt: NEVER,
      };
    } else if (candidate.kind === "value") {
      yield logged(await judge(candidate, candidate.value, request, options, undefined));
    } else {
      const read = await readCandidate(candidate);
      if ("source" in read) yield logged(read);
      else yield logged(await judge(candidate, read.text, request, options, read.state));
    }
  }
}

/** Say in the debug log why a token that was there could not be used (never the token). */
/** Whether an outcome is a token (or token file) that was there and was not taken. */
export function foundAndRejected(outcome: CandidateOutcome): boolean {
  return !outcome.accepted && (outcome.token !== undefined || outcome.error !== undefined);
}

function logged(outcome: CandidateOutcome): CandidateOutcome {
  if (foundAndRejected(outcome)) {
    debug("scitoken: found and rejected %s: %s", outcome.source, outcome.reason);
  }
  return outcome;
}
