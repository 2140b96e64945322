// Bounded JSON GETs to a token issuer: a timeout, a size cap, no cross-origin redirects,
// and the caller's extra CA certificates trusted beside the system ones.
import { createHash } from "node:crypto";
import { Agent as HttpsAgent } from "node:https";
import { createSecureContext, rootCertificates } from "node:tls";
import got, { type Response } from "got";
import { ErrorCode, IgwnAuthError } from "../../lib/errors.js";

/** Issuer metadata and key sets are a few KiB; anything this large is not one. */
export const MAX_ISSUER_RESPONSE_BYTES = 256 * 1024;

/** Same-origin redirects followed before giving up. */
const MAX_REDIRECTS = 3;

/** How to reach an issuer. */
export interface IssuerFetchOptions {
  /** Milliseconds allowed for each request. */
  timeout: number;
  /** Extra CA certificates (PEM) trusted beside the system ones. */
  ca?: string | string[] | undefined;
}

/** What an issuer answered: the HTTP status, the parsed JSON (when it parsed), the freshness. */
export interface IssuerResponse {
  readonly status: number;
  readonly json: unknown;
  readonly parsed: boolean;
  /** `Cache-Control: max-age` in seconds; `0` for `no-cache`/`no-store`; `undefined` if absent. */
  readonly maxAgeSeconds: number | undefined;
}

/**
 * The seconds of freshness a `Cache-Control` header grants, or `undefined` when it says nothing.
 *
 * @example
 * ```ts
 * parseMaxAge("public, max-age=600"); // 600
 * ```
 */
export function parseMaxAge(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header.join(",") : header;
  if (!value) return undefined;
  if (/(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)/i.test(value)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/i.exec(value);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Agents kept, one per distinct set of extra CAs; the oldest is dropped beyond this. */
const MAX_AGENTS = 8;
const agents = new Map<string, HttpsAgent>();

/**
 * An HTTPS agent trusting the system roots plus `ca`, or `undefined` for Node's defaults.
 * Parsing the ~150 system roots takes tens of milliseconds, so the secure context is built
 * once per CA set and reused, rather than on every connection.
 */
function agentFor(ca: string | string[] | undefined): HttpsAgent | undefined {
  if (ca === undefined) return undefined;
  const extra = Array.isArray(ca) ? ca : [ca];
  const id = createHash("sha256").update(extra.join("\0")).digest("hex");
  let agent = agents.get(id);
  if (!agent) {
    // Setting `ca` replaces Node's default trust store, so the system roots are added back.
    const secureContext = createSecureContext({ ca: [...rootCertificates, ...extra] });
    agent = new HttpsAgent({ secureContext, keepAlive: false });
    agents.set(id, agent);
    for (const old of agents.keys()) {
      if (agents.size <= MAX_AGENTS) break;
      agents.get(old)?.destroy();
      agents.delete(old);
    }
  }
  return agent;
}

function sameOriginRedirect(
  response: Response | { url: string; headers: Response["headers"] },
): boolean {
  const location = response.headers.location;
  if (typeof location !== "string") return false;
  try {
    return new URL(location, response.url).origin === new URL(response.url).origin;
  } catch {
    return false;
  }
}

function describeNetworkError(err: unknown, timeout: number): string {
  const code = (err as { code?: unknown }).code;
  if (code === "ETIMEDOUT") return `timed out after ${timeout} ms`;
  if (code === "ERR_CANCELED") return `the response exceeded ${MAX_ISSUER_RESPONSE_BYTES} bytes`;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE") {
    return "the connection was closed by the server";
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the host name could not be resolved";
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === "string" ? `${code}: ${message}` : message;
}

// got's errors carry the whole request, agent and TLS state: keep only what explains the
// failure, so inspecting our error stays short and shows nothing but the code and message.
function plainCause(err: unknown): Error {
  const code = (err as { code?: unknown }).code;
  const cause = new Error(err instanceof Error ? err.message : String(err));
  cause.name = err instanceof Error ? err.name : "Error";
  if (typeof code === "string") Object.assign(cause, { code });
  return cause;
}

/**
 * GET `url` as JSON from a token issuer, without following redirects to another origin.
 *
 * Network failures (refused, reset, timed out, TLS not trusted, response too large) reject with
 * an {@link IgwnAuthError} coded `ERR_KEY_RETRIEVAL` that names `what` and the URL; HTTP status
 * codes and unparseable bodies are returned for the caller to judge.
 *
 * @example
 * ```ts
 * const res = await fetchIssuerJson(new URL("https://issuer.example/.well-known/openid-configuration"),
 *   "issuer metadata", { timeout: 5000 });
 * if (res.status === 200 && res.parsed) console.log(res.json);
 * ```
 */
export async function fetchIssuerJson(
  url: URL,
  what: string,
  options: IssuerFetchOptions,
): Promise<IssuerResponse> {
  let agent: HttpsAgent | undefined;
  try {
    agent = agentFor(options.ca);
  } catch (err) {
    throw new IgwnAuthError(
      `the ca given to verify ${what} could not be read as PEM certificates`,
      { code: ErrorCode.KEY_RETRIEVAL, cause: plainCause(err) },
    );
  }
  let response: Response<Buffer>;
  try {
    const request = got(url, {
      method: "GET",
      responseType: "buffer",
      throwHttpErrors: false,
      retry: { limit: 0 },
      timeout: { request: options.timeout },
      followRedirect: (res) => sameOriginRedirect(res),
      maxRedirects: MAX_REDIRECTS,
      // Counting compressed bytes would let a small gzip bomb through the size cap.
      decompress: false,
      headers: {
        accept: "application/json",
        "accept-encoding": "identity",
        "user-agent": "igwn-auth-utils",
      },
      ...(agent ? { agent: { https: agent } } : {}),
    });
    request.on("downloadProgress", (progress) => {
      if (
        progress.transferred > MAX_ISSUER_RESPONSE_BYTES ||
        (progress.total ?? 0) > MAX_ISSUER_RESPONSE_BYTES
      ) {
        request.cancel();
      }
    });
    response = await request;
  } catch (err) {
    throw new IgwnAuthError(
      `could not fetch ${what} from ${url.href}: ${describeNetworkError(err, options.timeout)}`,
      { code: ErrorCode.KEY_RETRIEVAL, cause: plainCause(err) },
    );
  }
  let json: unknown;
  let parsed = false;
  try {
    json = JSON.parse(response.body.toString("utf8"));
    parsed = true;
  } catch {
    json = undefined;
  }
  return {
    status: response.statusCode,
    json,
    parsed,
    maxAgeSeconds: parseMaxAge(response.headers["cache-control"]),
  };
}
