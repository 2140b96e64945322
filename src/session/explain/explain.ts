// Why a request was not authenticated, worked out when it fails — a 401 or 403, or
// failIfNoauth / token: true — and never on the way there: a successful request pays
// nothing for it. What the hop carried is read from what the origin guard recorded; what
// was passed over is found by walking discovery again, with the reasons `igwn-auth
// diagnose` gives.
import { existsSync } from "node:fs";
import { IgwnAuthError } from "../../lib/errors.js";
import { isInsecureTransport, originOf } from "../../lib/origin.js";
import { redactUrl } from "../../lib/redact-url.js";
import { escapeControl } from "../../lib/text.js";
import { getNetrcAuth, netrcPath } from "../../netrc/netrc.js";
import { unverifiedClaims } from "../../scitokens/deserialize.js";
import { tokenAuthorizationHeader } from "../../scitokens/header.js";
import { SciToken, type TokenClaims } from "../../scitokens/token.js";
import { BasicAuthStrategy } from "../../strategies/basic.js";
import { NetrcBasicStrategy } from "../../strategies/netrc-basic.js";
import { ScitokenStrategy } from "../../strategies/scitoken.js";
import type { AuthStrategy } from "../../strategies/types.js";
import { X509Strategy } from "../../strategies/x509.js";
import { loadX509CertificateFile } from "../../x509/credential.js";
import { explainX509Discovery } from "../../x509/discovery.js";
import { DEFAULT_TIMELEFT } from "../../x509/validate.js";
import type { AuthPlan } from "../resolver.js";
import { serverChallenge } from "./challenge.js";
import { nextSteps } from "./next-steps.js";
import type {
  AuthExplanation,
  PassedOverCredential,
  SentCredential,
  ServerChallenge,
} from "./types.js";

type HeaderValue = string | string[];

/** What the origin guard knows of the hop that failed. */
export interface FailedHop {
  readonly plan: AuthPlan;
  readonly url: URL;
  readonly originalUrl: URL;
  readonly leftOrigin: boolean;
  readonly downgraded: boolean;
  /** The headers strategies wrote on this hop, and which strategy wrote each. */
  readonly written: ReadonlyArray<readonly [name: string, value: HeaderValue, by: AuthStrategy]>;
}

/** The response that failed, if there was one. */
export interface FailedResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
}

// Candidates that are not credentials at all: nothing there to pass over.
const NOTHING_THERE = new Set(["not set", "does not exist", "has no *.use files"]);

function wroteBy(hop: FailedHop, strategy: AuthStrategy, name: string): HeaderValue | undefined {
  return hop.written.find(([n, , by]) => n === name && by === strategy)?.[1];
}

function claimsOf(token: SciToken | string): TokenClaims | undefined {
  return token instanceof SciToken ? token.claims : unverifiedClaims(token);
}

function bearer(source: string, claims: TokenClaims | undefined): SentCredential {
  const aud = claims?.aud;
  const exp = claims?.exp;
  return {
    kind: "bearer",
    source,
    ...(typeof claims?.sub === "string" ? { sub: escapeControl(claims.sub) } : {}),
    ...(aud !== undefined
      ? { aud: (Array.isArray(aud) ? aud : [aud]).map((a) => escapeControl(String(a))) }
      : {}),
    ...(typeof claims?.scope === "string" ? { scope: escapeControl(claims.scope) } : {}),
    ...(typeof claims?.iss === "string" ? { issuer: escapeControl(claims.iss) } : {}),
    ...(typeof exp === "number" ? { timeLeft: Math.floor(exp - Date.now() / 1000) } : {}),
  };
}

async function sentToken(
  hop: FailedHop,
  strategy: ScitokenStrategy,
  header: HeaderValue,
): Promise<SentCredential> {
  const token = strategy.token;
  if (token instanceof SciToken || typeof token === "string") {
    return bearer("the token option", claimsOf(token));
  }
  // The discovery cache still holds what it handed out, unless the file changed since.
  const found = await strategy.find(hop.url).catch(() => undefined);
  if (found && tokenAuthorizationHeader(found.token) === header) {
    return bearer(found.source, found.token.claims);
  }
  return bearer("discovery (the token has changed on disk since)", undefined);
}

function sentCertificate(strategy: X509Strategy): SentCredential {
  const path = typeof strategy.cert === "string" ? strategy.cert : strategy.cert[0];
  try {
    const credential = loadX509CertificateFile(path);
    return {
      kind: "x509",
      source: path,
      subject: escapeControl(credential.identity),
      proxy: credential.isProxy,
      timeLeft: Math.floor(credential.timeLeft()),
    };
  } catch (err) {
    return { kind: "x509", source: path, problem: (err as Error).message };
  }
}

async function tokensPassedOver(
  hop: FailedHop,
  strategy: ScitokenStrategy,
): Promise<PassedOverCredential[]> {
  try {
    const reports = await strategy.explainDiscovery(hop.url);
    return reports
      .filter((r) => !r.accepted && !NOTHING_THERE.has(r.reason))
      .map((r) => ({ kind: "bearer" as const, source: r.source, reason: r.reason }));
  } catch (err) {
    return [{ kind: "bearer", source: "discovery", reason: (err as Error).message }];
  }
}

function certificatesPassedOver(): PassedOverCredential[] {
  const reports = explainX509Discovery({ timeleft: DEFAULT_TIMELEFT, usable: true });
  const passed: PassedOverCredential[] = [];
  for (const report of reports) {
    if (report.accepted) break;
    if (!report.checked) continue;
    const where = report.certPath ?? report.keyPath;
    passed.push({
      kind: "x509",
      source: where === undefined ? report.source : `${report.source} (${where})`,
      reason: report.reason,
    });
  }
  return passed;
}

function netrcPassedOver(url: URL, useDefault: boolean): PassedOverCredential | undefined {
  const path = netrcPath();
  const source = `netrc (${path})`;
  if (!existsSync(path)) return undefined;
  try {
    const found = getNetrcAuth(url, { raiseErrors: true });
    if (found === null) {
      return { kind: "basic", source, reason: `has no entry for ${url.hostname} and no default` };
    }
    if (!useDefault) {
      return {
        kind: "basic",
        source,
        reason: `its entry for ${url.hostname} is its default, which serves only the origin of the request made`,
      };
    }
    return undefined;
  } catch (err) {
    return {
      kind: "basic",
      source,
      reason: err instanceof IgwnAuthError ? err.message : String(err),
    };
  }
}

/** Why a credential the session has did not go on this hop. */
function heldBack(hop: FailedHop, sent: readonly SentCredential[]): string[] {
  const reasons: string[] = [];
  const headerStrategy = hop.plan.strategy;
  const sentHeader = sent.some((c) => c.kind !== "x509");
  if (hop.downgraded) {
    reasons.push("no credential goes on a redirect hop from https to http");
  } else if (hop.leftOrigin && headerStrategy && !sentHeader) {
    reasons.push(
      `credentials of ${originOf(hop.originalUrl)} are not sent to ${originOf(hop.url)}, where the request was redirected`,
    );
  }
  if (hop.plan.cert && hop.url.protocol !== "https:") {
    reasons.push("plain http presents no client certificate");
  }
  if (
    headerStrategy instanceof ScitokenStrategy &&
    !headerStrategy.explicit &&
    isInsecureTransport(hop.url)
  ) {
    reasons.push(`a discovered token is not sent over plain http to ${hop.url.host}`);
  }
  return reasons;
}

async function describeStrategy(
  hop: FailedHop,
  strategy: AuthStrategy,
  sent: SentCredential[],
  passedOver: PassedOverCredential[],
): Promise<void> {
  if (strategy instanceof X509Strategy) {
    if (hop.url.protocol === "https:") sent.push(sentCertificate(strategy));
    return;
  }
  const authorization = wroteBy(hop, strategy, "authorization");
  if (strategy instanceof ScitokenStrategy) {
    if (authorization !== undefined) sent.push(await sentToken(hop, strategy, authorization));
    if (!strategy.explicit) passedOver.push(...(await tokensPassedOver(hop, strategy)));
    return;
  }
  if (strategy instanceof BasicAuthStrategy) {
    if (authorization !== undefined) {
      sent.push({ kind: "basic", source: "the auth option", username: strategy.username });
    }
    return;
  }
  if (strategy instanceof NetrcBasicStrategy) {
    const useDefault = !hop.leftOrigin;
    const found = authorization === undefined ? null : strategy.credentialsFor(hop.url, useDefault);
    if (found) {
      sent.push({ kind: "basic", source: `netrc (${netrcPath()})`, username: found[0] });
    } else if (!hop.downgraded) {
      const why = netrcPassedOver(hop.url, useDefault);
      if (why) passedOver.push(why);
    }
    return;
  }
  for (const [name, , by] of hop.written) {
    if (by === strategy) sent.push({ kind: "header", source: strategy.name, name });
  }
}

/**
 * Work out why a request was not authenticated (see {@link AuthExplanation}): what the
 * failing hop carried, what was passed over and why, what the server said and what to do.
 */
export async function explainFailedHop(
  hop: FailedHop,
  response?: FailedResponse,
): Promise<AuthExplanation> {
  const sent: SentCredential[] = [];
  const passedOver: PassedOverCredential[] = [];
  if (hop.plan.certDiscovered && hop.url.protocol === "https:") {
    passedOver.push(...certificatesPassedOver());
  }
  for (const strategy of hop.plan.strategies) {
    await describeStrategy(hop, strategy, sent, passedOver);
  }
  const server: ServerChallenge | undefined = response
    ? serverChallenge(response.headers["www-authenticate"])
    : undefined;
  const url = redactUrl(hop.url);
  const held = heldBack(hop, sent);
  const explanation = {
    url,
    ...(response ? { status: response.statusCode } : {}),
    sent,
    passedOver,
    heldBack: held,
    ...(server ? { server } : {}),
  };
  return { ...explanation, nextSteps: nextSteps(explanation, hop.plan) };
}
