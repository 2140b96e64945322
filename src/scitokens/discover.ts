import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { type CandidateOutcome, walkCandidates } from "./candidate-walk.js";
import { listCandidates } from "./candidates.js";
import type { DeserializeOptions } from "./deserialize.js";
import { type ClaimsRequest, claimsRequest } from "./enforce.js";
import type { SciToken } from "./token.js";
import { emitTokenWarning } from "./warn.js";

/**
 * Options of {@link findScitoken}.
 *
 * @category SciTokens
 */
export interface FindScitokenOptions extends DeserializeOptions {
  /** Issuer(s) the token's `iss` must be one of; default any. */
  issuer?: string | string[];
  /** Seconds that must remain before the token's `exp` (default 60). */
  timeleft?: number;
  /**
   * Pass over a token that is there but cannot be loaded (default `true`); `false`: throw
   * its error. A token that loads but does not fit the request is always passed over.
   */
  skipErrors?: boolean;
  /** Emit a process warning for each token passed over, saying why. */
  warn?: boolean;
}

/** One candidate looked at by {@link explainScitokenDiscovery}. */
export interface ScitokenCandidateReport {
  /** Where: `$SCITOKEN`, `$BEARER_TOKEN_FILE (/path)`, `/tmp/bt_u1000`, … */
  readonly source: string;
  readonly path?: string;
  /** Whether discovery would use this token. */
  readonly accepted: boolean;
  /** Why it was taken (`valid`) or passed over; never contains the token. */
  readonly reason: string;
  /** The token, when one was loaded. */
  readonly token?: SciToken;
}

/** Options of {@link explainScitokenDiscovery}. */
export interface ExplainScitokenOptions extends DeserializeOptions {
  issuer?: string | string[];
  timeleft?: number;
  /**
   * Load and judge every candidate, also those after the one discovery would take (which
   * are reported as passed over, with the reason). Default `false`: stop at that one.
   */
  exhaustive?: boolean;
}

function report(outcome: CandidateOutcome): ScitokenCandidateReport {
  return {
    source: outcome.source,
    ...(outcome.path === undefined ? {} : { path: outcome.path }),
    accepted: outcome.accepted,
    reason: outcome.reason,
    ...(outcome.token === undefined ? {} : { token: outcome.token }),
  };
}

function walk(request: ClaimsRequest, opts: DeserializeOptions) {
  return walkCandidates(listCandidates().candidates, request, { deserialize: opts });
}

/**
 * Every place SciToken discovery looks, in order, and why each token was taken or passed
 * over — the walk {@link findScitoken} makes, for `igwn-auth diagnose`. Internal.
 *
 * @throws {TypeError} when a requested scope is malformed.
 *
 * @example
 * ```ts
 * for (const c of await explainScitokenDiscovery(targetAudience(url), undefined, { exhaustive: true })) {
 *   console.log(`${c.accepted ? "✓" : "✗"} ${c.source}: ${c.reason}`);
 * }
 * ```
 */
export async function explainScitokenDiscovery(
  audience: string | string[] | undefined,
  scope: string | string[] | undefined,
  opts: ExplainScitokenOptions = {},
): Promise<ScitokenCandidateReport[]> {
  const request = claimsRequest(audience, scope, opts);
  const reports: ScitokenCandidateReport[] = [];
  let taken: string | undefined;
  for await (const outcome of walk(request, opts)) {
    if (taken !== undefined && outcome.accepted) {
      reports.push({
        ...report(outcome),
        accepted: false,
        reason: `valid, but ${taken} comes first`,
      });
      continue;
    }
    reports.push(report(outcome));
    if (outcome.accepted) {
      taken = outcome.source;
      if (!opts.exhaustive) break;
    }
  }
  return reports;
}

function describeRequest(request: ClaimsRequest): string {
  const parts = [
    `audience ${request.audience ? request.audience.join(", ") : "(none)"}`,
    `scope ${request.scopes ? request.scopes.map((s) => s.text).join(" ") : "(any)"}`,
  ];
  if (request.issuer) parts.push(`issuer ${request.issuer.join(", ")}`);
  return parts.join(", ");
}

/** The "nothing found" message: what was asked for, and every source with its verdict. */
export function noScitokenMessage(
  request: ClaimsRequest,
  outcomes: readonly { source: string; reason: string }[],
): string {
  const looked = outcomes.map((o) => `${o.source}: ${o.reason}`).join("; ");
  return (
    `could not find a valid SciToken, please verify the audience and scope, or generate a ` +
    `new token (e.g. with htgettoken) and try again (wanted ${describeRequest(request)}; ` +
    `looked at ${looked})`
  );
}

/**
 * Find a SciToken for `audience` and `scope`: the first valid token of `$SCITOKEN` (a
 * serialised token), `$SCITOKEN_FILE`, each `*.use` file in `$_CONDOR_CREDS` (by name),
 * `$BEARER_TOKEN`, `$BEARER_TOKEN_FILE`, `$XDG_RUNTIME_DIR/bt_u<euid>` and
 * `/tmp/bt_u<euid>`. Every source is tried (see {@link isValidToken} for what "valid"
 * means); a file that does not exist is simply passed over.
 *
 * @throws {IgwnAuthError} `ERR_NO_CREDENTIAL` when no valid token is found (the message,
 * starting `could not find a valid SciToken, `, lists every source looked at and why it
 * was passed over; `cause` is the first load error); with `skipErrors: false`, the
 * first token that cannot be loaded rejects with its own error (naming the source).
 * @throws {TypeError} when a requested scope is malformed.
 *
 * @example
 * ```ts
 * const token = await findScitoken(targetAudience("https://datafind.ligo.org"), "read:/frames");
 * headers.authorization = tokenAuthorizationHeader(token);
 * ```
 * @category SciTokens
 */
export async function findScitoken(
  audience: string | string[] | undefined,
  scope: string | string[] | undefined,
  opts: FindScitokenOptions = {},
): Promise<SciToken> {
  const request = claimsRequest(audience, scope, opts);
  const skipErrors = opts.skipErrors ?? true;
  const outcomes: CandidateOutcome[] = [];
  let firstError: IgwnAuthError | undefined;
  for await (const outcome of walk(request, opts)) {
    if (outcome.accepted && outcome.token) return outcome.token;
    outcomes.push(outcome);
    if (outcome.error) {
      firstError ??= outcome.error;
      if (opts.warn) emitTokenWarning(`${outcome.source}: ${outcome.reason}`);
      if (!skipErrors) {
        throw new IgwnAuthError(
          `could not load the SciToken in ${outcome.source}: ${outcome.reason}`,
          {
            code: outcome.error.code,
            cause: outcome.error,
          },
        );
      }
    } else if (opts.warn && outcome.token) {
      emitTokenWarning(`${outcome.source}: token rejected: ${outcome.reason}`);
    }
  }
  throw new IgwnAuthError(noScitokenMessage(request, outcomes), {
    code: ErrorCode.NO_CREDENTIAL,
    cause: firstError,
  });
}
