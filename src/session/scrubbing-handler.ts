// Not every failure of a got request passes the `beforeError` hook: the `.json()` shortcut's
// ParseError, `cancel()`, an abort signal and `AbortSignal.timeout()` reject without it, and
// each carries the request's options (token, password, TLS key). A got handler sees every
// request a session's got instance makes — its extensions and pagination included — and
// hands the caller a promise or stream whose every error has been scrubbed first.
import type { CancelableRequest, HandlerFunction, Request } from "got";
import { redactResponseInspection, scrubError } from "../lib/redact.js";

function scrubbedRejection<T>(promise: Promise<T>): Promise<T> {
  return promise.then(undefined, (err: unknown) => {
    throw scrubError(err);
  });
}

/**
 * The promise a session hands out: got's cancelable request, with every rejection scrubbed
 * — its own, and those of `.json()`, `.text()` and `.buffer()`.
 */
class ScrubbedRequest<T> extends Promise<T> {
  // `then` on this promise makes plain promises: a subclass is only what got returned.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  readonly #inner: CancelableRequest<T>;

  constructor(inner: CancelableRequest<T>) {
    let resolve!: (value: T) => void;
    let reject!: (reason: unknown) => void;
    super((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#inner = inner;
    inner.then(resolve, (err: unknown) => reject(scrubError(err)));
  }

  json<R>(): Promise<R> {
    // got's shortcut awaits `this` (so this promise's scrubbed rejection), then parses.
    return scrubbedRejection((this.#inner.json as (this: unknown) => Promise<R>).call(this));
  }

  text(): Promise<string> {
    return scrubbedRejection((this.#inner.text as (this: unknown) => Promise<string>).call(this));
  }

  buffer(): Promise<Buffer> {
    return scrubbedRejection((this.#inner.buffer as (this: unknown) => Promise<Buffer>).call(this));
  }

  on(event: string, listener: (...args: unknown[]) => void): this {
    (this.#inner.on as (event: string, listener: unknown) => unknown)(event, listener);
    return this;
  }

  off(event: string, listener: (...args: unknown[]) => void): this {
    (this.#inner as unknown as { off(e: string, l: unknown): unknown }).off(event, listener);
    return this;
  }

  get isCanceled(): boolean {
    return this.#inner.isCanceled;
  }

  /** Cancel the request: it rejects with a (scrubbed) `CancelError`. */
  get cancel(): (reason?: string) => void {
    return (reason?: string) => this.#inner.cancel(reason);
  }

  // got copies its own, unbound `cancel` onto a handler's promise: keep ours.
  set cancel(_ignored: unknown) {}
}

/** Scrub a stream's errors and give its response a safe `util.inspect` view. */
function scrubStream(stream: Request): void {
  const emit = stream.emit;
  stream.emit = function (this: Request, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "error") scrubError(args[0]);
    else if (event === "response" && typeof args[0] === "object" && args[0] !== null) {
      redactResponseInspection(args[0]);
    }
    return emit.call(this, event, ...args);
  } as Request["emit"];
}

/**
 * A got handler that scrubs every error a request can reject or emit with (see
 * `scrubError`), whatever path it took.
 */
export const scrubbingHandler: HandlerFunction = (options, next) => {
  const result = next(options);
  if (options?.isStream) {
    scrubStream(result as Request);
    return result;
  }
  return new ScrubbedRequest(result as CancelableRequest) as unknown as ReturnType<typeof next>;
};
