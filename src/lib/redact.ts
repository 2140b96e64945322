import { inspect } from "node:util";

const REDACTED = "[redacted]";
const SECRET_HEADERS = ["authorization", "proxy-authorization", "cookie", "x-api-key"];
const SECRET_TLS_FIELDS = ["key", "passphrase", "pfx"];

type Mutable = Record<string | symbol, unknown>;

function redactHeaders(headers: unknown): void {
  if (!headers || typeof headers !== "object") return;
  const record = headers as Mutable;
  for (const name of Object.keys(record)) {
    if (SECRET_HEADERS.includes(name.toLowerCase()) && record[name] !== undefined) {
      record[name] = REDACTED;
    }
  }
}

/**
 * Scrub the secrets got keeps on its request options (headers, TLS key and passphrase,
 * URL credentials, this library's per-request auth overrides) in place.
 */
export function redactGotOptions(options: unknown): void {
  if (!options || typeof options !== "object") return;
  const record = options as Mutable;
  redactHeaders(record.headers);
  const https = record.https as Mutable | undefined;
  if (https && typeof https === "object") {
    for (const field of SECRET_TLS_FIELDS) {
      if (https[field] !== undefined) {
        try {
          https[field] = REDACTED;
        } catch {
          // a frozen or accessor-only field: nothing to scrub through it
        }
      }
    }
  }
  for (const field of ["password", "username"]) {
    if (typeof record[field] === "string" && record[field] !== "") {
      try {
        record[field] = REDACTED;
      } catch {
        // got validates assignments; the field is cleared in its URL below anyway
      }
    }
  }
  const context = record.context as Mutable | undefined;
  if (context && typeof context === "object") {
    for (const key of Object.getOwnPropertySymbols(context)) delete context[key];
  }
}

interface ResponseLike {
  statusCode?: number;
  statusMessage?: string;
  url?: string;
  redirectUrls?: readonly URL[];
  headers?: Record<string, unknown>;
  body?: unknown;
  rawBody?: { length: number };
}

function bodySize(response: ResponseLike): string | undefined {
  const body = response.rawBody ?? response.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return `<${Buffer.byteLength(body)} bytes>`;
  if (typeof (body as { length?: unknown }).length === "number") {
    return `<${(body as { length: number }).length} bytes>`;
  }
  return "<body>";
}

function inspectResponse(this: ResponseLike, _depth: number, options: object): string {
  const view: Record<string, unknown> = {
    statusCode: this.statusCode,
    statusMessage: this.statusMessage,
    url: this.url,
  };
  if (this.redirectUrls && this.redirectUrls.length > 0) {
    view.redirectUrls = this.redirectUrls.map(String);
  }
  view.headers = this.headers;
  const size = bodySize(this);
  if (size !== undefined) view.body = size;
  return `Response ${inspect(view, options)}`;
}

// One descriptor for every response: this runs once per response on the hot path.
const INSPECT_RESPONSE: PropertyDescriptor = {
  enumerable: false,
  configurable: true,
  value: inspectResponse,
};

/**
 * Give a got response an `util.inspect` view of what came back — status, URL, redirects,
 * response headers, body size — and nothing of the request that produced it: Node's
 * `ClientRequest` keeps the raw request head (the `Authorization` header among it) in
 * `_header`, got's request keeps the options (TLS key included), and a plain
 * `console.log(response)` prints them all.
 *
 * @example
 * ```ts
 * hooks: { afterResponse: [(response) => redactResponseInspection(response)] }
 * ```
 */
export function redactResponseInspection<R extends object>(response: R): R {
  Object.defineProperty(response, inspect.custom, INSPECT_RESPONSE);
  return response;
}

/**
 * Make an error from got safe to log: scrub its request options (shared with its
 * response), and give it and its response `util.inspect` views without the request
 * internals.
 */
export function redactGotError<E extends Error>(error: E): E {
  const record = error as unknown as Mutable;
  redactGotOptions(record.options);
  const response = record.response as Mutable | undefined;
  const request = response?.request as Mutable | undefined;
  if (request && request.options !== record.options) redactGotOptions(request.options);
  if (response && typeof response === "object") redactResponseInspection(response);
  Object.defineProperty(error, inspect.custom, {
    enumerable: false,
    configurable: true,
    value(this: E & { code?: unknown; response?: { statusCode?: number; url?: string } }) {
      const summary: Record<string, unknown> = { code: this.code };
      if (this.response?.statusCode !== undefined) summary.statusCode = this.response.statusCode;
      return `${this.stack ?? `${this.name}: ${this.message}`}\n${inspect(summary)}`;
    },
  });
  return error;
}
