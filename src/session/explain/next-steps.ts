// What to do about a request that was not authenticated: the most specific step first, and
// always the command that shows the whole picture.
import { NetrcBasicStrategy } from "../../strategies/netrc-basic.js";
import { ScitokenStrategy } from "../../strategies/scitoken.js";
import type { AuthPlan } from "../resolver.js";
import type { AuthExplanation } from "./types.js";

/** How IGWN users get a token: the vault and issuer of htgettoken for IGWN. */
const HTGETTOKEN = "htgettoken -a vault.ligo.org -i igwn";

type Partial = Omit<AuthExplanation, "nextSteps">;

function quoted(text: string): string {
  return `"${text.replace(/"/g, '\\"')}"`;
}

function tokenSteps(e: Partial, plan: AuthPlan): string[] {
  const steps: string[] = [];
  const { server } = e;
  const sentToken = e.sent.find((c) => c.kind === "bearer");
  if (server?.error === "insufficient_scope") {
    steps.push(
      server.scope
        ? `get a token whose scope grants ${quoted(server.scope)}: ${HTGETTOKEN} --scopes ${quoted(server.scope)}`
        : "the token's scope does not cover this request: get one whose scope does (htgettoken --scopes)",
    );
  } else if (server?.error === "invalid_token") {
    steps.push(
      `the server refused the token${server.errorDescription ? ` (${server.errorDescription})` : ""}: get a new one with ${HTGETTOKEN}`,
    );
  } else if (sentToken) {
    steps.push(
      `the server did not accept the token from ${sentToken.source}: check its audience, scope and issuer with \`igwn-auth token ${e.url}\``,
    );
  }
  const bearers = e.passedOver.filter((c) => c.kind === "bearer");
  if (!sentToken && plan.strategy instanceof ScitokenStrategy && e.heldBack.length === 0) {
    if (bearers.some((c) => /claim 'exp'/.test(c.reason))) {
      steps.push(`renew your token: ${HTGETTOKEN}`);
    } else if (bearers.some((c) => /claim 'aud'/.test(c.reason))) {
      steps.push(
        `get a token for this service's audience: ${HTGETTOKEN} --audience ${new URL(e.url).origin}`,
      );
    } else if (bearers.length > 0) {
      steps.push(`get a token that fits this request: ${HTGETTOKEN}`);
    } else {
      steps.push(`get a token: ${HTGETTOKEN}`);
    }
  }
  return steps;
}

function netrcSteps(e: Partial, plan: AuthPlan): string[] {
  if (!(plan.strategy instanceof NetrcBasicStrategy)) return [];
  const steps: string[] = [];
  for (const c of e.passedOver) {
    if (c.kind !== "basic") continue;
    const path = /^netrc \((.*)\)$/.exec(c.source)?.[1] ?? "~/.netrc";
    if (/too permissive/.test(c.reason)) steps.push(`chmod 600 ${path}`);
    else if (/owned by/.test(c.reason)) steps.push(`make ${path} your own file, mode 600`);
    else if (/no entry for/.test(c.reason)) {
      steps.push(`add a "machine ${new URL(e.url).hostname}" entry to ${path}`);
    }
  }
  return steps;
}

function certificateSteps(e: Partial): string[] {
  const steps: string[] = [];
  const sentCert = e.sent.find((c) => c.kind === "x509");
  const certs = e.passedOver.filter((c) => c.kind === "x509");
  if (certs.some((c) => /legacy proxy/.test(c.reason))) {
    steps.push("make an RFC 3820 proxy: grid-proxy-init -rfc (not -old)");
  } else if (!sentCert && certs.some((c) => /expired|left/.test(c.reason))) {
    steps.push("renew your X.509 proxy (e.g. grid-proxy-init), or use a token");
  }
  if (sentCert && e.sent.every((c) => c.kind === "x509") && e.status === 403) {
    steps.push(
      `the server did not let ${sentCert.subject ?? sentCert.source} in: ask its operators whether that identity is authorised`,
    );
  }
  return steps;
}

/** The next steps for an explanation, most specific first. */
export function nextSteps(e: Partial, plan: AuthPlan): string[] {
  const steps = [...tokenSteps(e, plan), ...netrcSteps(e, plan), ...certificateSteps(e)];
  steps.push(`run \`igwn-auth diagnose ${e.url}\` to see every credential looked at`);
  return steps;
}
