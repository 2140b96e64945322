// The one place that scrubs what got keeps of a request — headers, TLS key, URL credentials —
// from the objects a caller can print: errors on every rejection path, responses, got's
// option objects. Everything here mutates or describes objects after their request is over.
import { inspect } from "node:util";
import {
  type QueryParameterNames,
  REDACTED,
  redactUrl,
  redactUrlInPlace,
  redactUrlsInText,
} from "./redact-url.js";

/** Headers that carry a credential whoever wrote them (lower case). */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "x-api-key",
  "x-auth-token",
  "private-token",
]);
const SECRET_TLS_FIELDS = ["key", "passphrase", "pfx"] as const;
/** Secret values shorter than this are not searched for in text: too many false hits. */
const MIN_SECRET_LENGTH = 8;

/**
 * What the auth of one request wrote, kept on the request's got context under
 * {@link REQUEST_SECRETS} by the origin guard, so the redactor can scrub it too — a custom
 * strategy's own header names included.
 */
export interface RequestSecrets {
  /** Names (lower case) of the headers strategies wrote on any hop. */
  secretHeaderNames(): Iterable<string>;
  /** The values strategies wrote: scrubbed from message text as well. */
  secretValues(): Iterable<string>;
  /** Query parameters (lower case) the request's strategies declare secret. */
  secretQueryParameters(): QueryParameterNames;
}

/** The got context key of a request's {@link RequestSecrets}. */
export const REQUEST_SECRETS = Symbol("igwn-auth-utils.requestSecrets");

type Mutable = Record<string | symbol, unknown>;

function isObject(value: unknown): value is Mutable {
  return typeof value === "object" && value !== null;
}

function secretsOf(options: unknown): RequestSecrets | undefined {
  if (!isObject(options)) return undefined;
  const context = options.context;
  if (!isObject(context)) return undefined;
  const secrets = context[REQUEST_SECRETS] as RequestSecrets | undefined;
  return typeof secrets?.secretHeaderNames === "function" ? secrets : undefined;
}

/** What to scrub for one request: header names, values and query parameters. */
interface Scrub {
  readonly headers: ReadonlySet<string>;
  readonly values: readonly string[];
  readonly parameters: QueryParameterNames;
}

function scrubFor(secrets: RequestSecrets | undefined): Scrub {
  if (!secrets) return { headers: SECRET_HEADERS, values: [], parameters: undefined };
  const headers = new Set(SECRET_HEADERS);
  for (const name of secrets.secretHeaderNames()) headers.add(name.toLowerCase());
  const values: string[] = [];
  for (const value of secrets.secretValues()) {
    // "Bearer <token>" shows up as the token alone, too.
    for (const form of [value, ...value.split(" ").slice(1)]) {
      if (form.length >= MIN_SECRET_LENGTH) values.push(form);
    }
  }
  return { headers, values, parameters: secrets.secretQueryParameters() };
}

function redactHeaders(headers: unknown, names: ReadonlySet<string>): void {
  if (!isObject(headers)) return;
  for (const name of Object.keys(headers)) {
    if (names.has(name.toLowerCase()) && headers[name] !== undefined) headers[name] = REDACTED;
  }
}

function trySet(record: Mutable, field: string, value: unknown): void {
  try {
    record[field] = value;
  } catch {
    // a frozen or validated field: nothing to scrub through it
  }
}

function redactOptionsInPlace(options: unknown, scrub: Scrub): void {
  if (!isObject(options)) return;
  redactHeaders(options.headers, scrub.headers);
  const https = options.https;
  if (isObject(https)) {
    for (const field of SECRET_TLS_FIELDS) {
      if (https[field] !== undefined) trySet(https, field, REDACTED);
    }
  }
  // got keeps URL credentials (and its username/password options) in the URL itself.
  const url = options.url;
  if (url instanceof URL) redactUrlInPlace(url, scrub.parameters);
  else if (typeof options.password === "string" && options.password !== "") {
    trySet(options, "password", "");
  }
}

function redactText(text: string, scrub: Scrub): string {
  let out = redactUrlsInText(text, scrub.parameters);
  for (const value of scrub.values) {
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}

function redactUrlFields(record: Mutable | undefined, scrub: Scrub): void {
  if (!record) return;
  for (const field of ["url", "requestUrl"]) {
    const value = record[field];
    if (value instanceof URL) redactUrlInPlace(value, scrub.parameters);
    else if (typeof value === "string") trySet(record, field, redactUrl(value, scrub.parameters));
  }
  const redirects = record.redirectUrls;
  if (Array.isArray(redirects)) {
    for (const [i, value] of redirects.entries()) {
      if (value instanceof URL) redactUrlInPlace(value, scrub.parameters);
      else if (typeof value === "string") redirects[i] = redactUrl(value, scrub.parameters);
    }
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
  request?: { options?: unknown };
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
  const parameters = secretsOf(this.request?.options)?.secretQueryParameters();
  const view: Record<string, unknown> = {
    statusCode: this.statusCode,
    statusMessage: this.statusMessage,
    url: this.url === undefined ? undefined : redactUrl(this.url, parameters),
  };
  if (this.redirectUrls && this.redirectUrls.length > 0) {
    view.redirectUrls = this.redirectUrls.map((url) => redactUrl(url, parameters));
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
 * Give a got response an `util.inspect` view of what came back — status, URL (redacted),
 * redirects, response headers, body size — and nothing of the request that produced it:
 * Node's `ClientRequest` keeps the raw request head (the `Authorization` header among it) in
 * `_header`, got's request keeps the options (TLS key included), and a plain
 * `console.log(response)` would print them all.
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

const scrubbed = new WeakSet<object>();

function inspectError(
  this: Error & { code?: unknown; response?: { statusCode?: number } },
): string {
  const summary: Record<string, unknown> = { code: this.code };
  if (this.response?.statusCode !== undefined) summary.statusCode = this.response.statusCode;
  return `${this.stack ?? `${this.name}: ${this.message}`}\n${inspect(summary)}`;
}

/**
 * Make an error safe to show, in place, whatever path it took: got's request options
 * (headers strategies wrote, the TLS key and passphrase, URL credentials and secret query
 * values), its response (URL, redirects, `util.inspect` view), its message and stack, and
 * the messages of its causes. Idempotent; anything that is not an object is returned as is.
 */
export function scrubError<E>(error: E): E {
  if (!isObject(error) || scrubbed.has(error)) return error;
  scrubbed.add(error);
  const record = error as Mutable;
  const options = record.options;
  const scrub = scrubFor(secretsOf(options));
  redactOptionsInPlace(options, scrub);
  const response = record.response as Mutable | undefined;
  const request = (record.request ?? response?.request) as Mutable | undefined;
  for (const other of [
    request?.options,
    response?.request && (response.request as Mutable).options,
  ]) {
    if (other !== options) redactOptionsInPlace(other, scrub);
  }
  if (isObject(response)) {
    redactUrlFields(response, scrub);
    redactResponseInspection(response);
  }
  if (isObject(request)) redactUrlFields(request, scrub);
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const described = current as Error;
    const message = redactText(described.message, scrub);
    if (message !== described.message) trySet(described as unknown as Mutable, "message", message);
    if (typeof described.stack === "string") {
      trySet(described as unknown as Mutable, "stack", redactText(described.stack, scrub));
    }
    current = described.cause;
  }
  if (error instanceof Error) {
    Object.defineProperty(error, inspect.custom, {
      enumerable: false,
      configurable: true,
      value: inspectError,
    });
  }
  return error;
}

/**
 * A copy of got options that can be shown: what `toJSON` gives, with secret headers, the TLS
 * key and passphrase, URL credentials and this library's context entries taken out.
 */
function redactedOptionsView(options: { toJSON(): object }): Mutable {
  const view: Mutable = { ...(options.toJSON() as Mutable) };
  const scrub = scrubFor(undefined);
  if (isObject(view.headers)) {
    view.headers = { ...view.headers };
    redactHeaders(view.headers, scrub.headers);
  }
  if (isObject(view.https)) {
    const https: Mutable = { ...view.https };
    for (const field of SECRET_TLS_FIELDS) if (https[field] !== undefined) https[field] = REDACTED;
    view.https = https;
  }
  if (view.url instanceof URL || typeof view.url === "string") view.url = redactUrl(view.url);
  if (typeof view.password === "string" && view.password !== "") view.password = REDACTED;
  if (isObject(view.context)) view.context = { ...view.context };
  return view;
}

/**
 * Give a got options object (an instance's defaults) `util.inspect` and `JSON.stringify`
 * views without the credentials a caller passed as got options: an `authorization` header,
 * a TLS key, a password. The options themselves are untouched and keep working.
 */
export function hideOptionSecrets(options: object): void {
  const target = options as { toJSON(): object };
  if (typeof target.toJSON !== "function") return;
  const toJSON = target.toJSON.bind(target);
  const view = () => redactedOptionsView({ toJSON });
  Object.defineProperties(options, {
    toJSON: { value: view, configurable: true, enumerable: false },
    [inspect.custom]: {
      value: (_depth: number, inspectOptions: object) => inspect(view(), inspectOptions),
      configurable: true,
      enumerable: false,
    },
  });
}
