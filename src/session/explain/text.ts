// An explanation as lines of text: what the error message carries and `igwn-auth get`
// prints, every line safe for a terminal.
import { escapeControl, formatTimeLeft } from "../../lib/text.js";
import type { AuthExplanation, SentCredential } from "./types.js";

function sentText(c: SentCredential): string {
  switch (c.kind) {
    case "bearer": {
      const about = [
        c.sub !== undefined ? `sub ${c.sub}` : "",
        c.aud !== undefined ? `aud ${c.aud.join(", ")}` : "",
        c.scope !== undefined ? `scope ${c.scope}` : "",
        c.timeLeft !== undefined ? formatTimeLeft(c.timeLeft) : "",
      ].filter(Boolean);
      return `bearer token from ${c.source}${about.length > 0 ? ` (${about.join("; ")})` : ""}`;
    }
    case "x509":
      if (c.problem !== undefined) return `X.509 certificate from ${c.source} (${c.problem})`;
      return `X.509 ${c.proxy ? "proxy " : ""}certificate ${c.subject} from ${c.source}${c.timeLeft === undefined ? "" : ` (${formatTimeLeft(c.timeLeft)})`}`;
    case "basic":
      return `basic auth for ${c.username} from ${c.source}`;
    case "header":
      return `header ${c.name} from strategy ${c.source}`;
  }
}

/**
 * The explanation, one line per fact: `sent: …` (or `sent: nothing`), `held back: …`,
 * `passed over: …`, `server: …`, `next: …`.
 */
export function explanationLines(e: AuthExplanation): string[] {
  const lines = [
    ...(e.sent.length === 0 ? ["sent: nothing"] : e.sent.map((c) => `sent: ${sentText(c)}`)),
    ...e.heldBack.map((reason) => `held back: ${reason}`),
    ...e.passedOver.map((c) => `passed over: ${c.source}: ${c.reason}`),
    ...(e.server ? [`server: ${e.server.header}`] : []),
    ...e.nextSteps.map((step) => `next: ${step}`),
  ];
  return lines.map(escapeControl);
}

/** A message with the explanation under it, indented. */
export function withExplanation(message: string, e: AuthExplanation): string {
  return [message, ...explanationLines(e).map((line) => `  ${line}`)].join("\n");
}
