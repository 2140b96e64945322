// What the CLI shows of a token: its claims and header, never its signature or the
// serialised token (SPEC §9).
import type { SciToken } from "../scitokens/token.js";
import { formatInstant, formatTimeLeft, formatValue, table } from "./format.js";

/** A token as `--json` shows it. */
export interface TokenSummary {
  source: string;
  path?: string;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Seconds until `exp`; `null` when the token has no `exp`. */
  timeLeft: number | null;
  /** Only with `--raw`. */
  serialized?: string;
}

/** The summary of a token found at `source`; `raw` adds the serialised token. */
export function summariseToken(
  token: SciToken,
  where: { source: string; path?: string | undefined },
  raw = false,
): TokenSummary {
  const left = token.timeLeft();
  return {
    source: where.source,
    ...(where.path !== undefined ? { path: where.path } : {}),
    header: { ...token.header },
    claims: { ...token.claims },
    timeLeft: Number.isFinite(left) ? Math.floor(left) : null,
    ...(raw ? { serialized: token.serialized } : {}),
  };
}

const LABELS: Record<string, string> = {
  iss: "issuer",
  sub: "subject",
  aud: "audience",
  scope: "scope",
  scp: "scope",
  ver: "version",
  "wlcg.ver": "WLCG version",
  iat: "issued",
  nbf: "not before",
  exp: "expires",
  jti: "token id",
};
const ORDER = ["iss", "sub", "aud", "scope", "scp", "ver", "wlcg.ver", "iat", "nbf", "exp", "jti"];
const TIMES = new Set(["iat", "nbf", "exp"]);

/** The claims and header of a token as label/value rows. */
export function tokenRows(summary: TokenSummary): [string, string][] {
  const { claims, header } = summary;
  const names = [
    ...ORDER.filter((n) => n in claims),
    ...Object.keys(claims).filter((n) => !ORDER.includes(n)),
  ];
  const rows: [string, string][] = names.map((name) => {
    const value = claims[name];
    const label = LABELS[name] ?? name;
    if (TIMES.has(name) && typeof value === "number") {
      const when = formatInstant(value);
      return [label, name === "exp" ? `${when} (${formatTimeLeft(summary.timeLeft ?? 0)})` : when];
    }
    return [label, formatValue(value)];
  });
  if (!("exp" in claims)) rows.push(["expires", "never (no exp claim)"]);
  const alg = [header.alg, header.kid ? `key ${String(header.kid)}` : ""].filter(Boolean);
  rows.push(["signed with", alg.join(", ")]);
  return rows;
}

/** The text `igwn-auth token` prints. */
export function tokenText(summary: TokenSummary): string[] {
  return [`SciToken from ${summary.source}`, ...table(tokenRows(summary))];
}
