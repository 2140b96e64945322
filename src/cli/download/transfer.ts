// One file, from its URL to its sink, for as many attempts as it takes: a broken attempt
// (reset, timeout, 5xx) is continued from the bytes already written with `Range` and
// `If-Range`, after a backoff; an answer that does not fit (a 200 instead of a 206, a
// `Content-Range` that starts elsewhere, other validators or digests, other bytes just
// before the resume point) is never appended: the file starts over. At the end the bytes
// are checked against every digest the server stated (`Digest`) and the one the user gave
// (`--checksum`); a file put together from several responses that fails the check is
// downloaded whole once more before the check counts as failed.
import { finished } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Got, Request, Response } from "got";
import { redactUrlsInText } from "../../lib/redact-url.js";
import { type Checksum, type ChecksumAlgorithm, checksumHex, newChecksum } from "./checksums.js";
import {
  digestsDisagree,
  formatDigest,
  parseDigestHeaders,
  type StatedDigest,
  WANT_DIGEST,
} from "./digests.js";
import { type PartState, recordedUrl } from "./part-file.js";
import {
  ifRange,
  OVERLAP_BYTES,
  parseContentRange,
  rangeHeader,
  type Validators,
  validatorsDiffer,
  validatorsOf,
} from "./ranges.js";
import { isRetryable, retryDelayMs, statusOf } from "./retry.js";
import { OutputClosed, type Sink } from "./sink.js";

/** A failed attempt that made at least this much progress does not count against `retries`. */
export const PROGRESS_BYTES = 1024 * 1024;

/** Times a file may start over (it changed, or the server's Range answers do not fit) before the transfer fails. */
const MAX_START_OVERS = 3;

/** What a transfer tells its caller as it goes. */
export interface TransferEvents {
  /** A response is being written: the file's size (when known) and the offset it continues at. */
  onStart?(size: number | undefined, from: number): void;
  /** Bytes written (after any overlap). */
  onBytes?(bytes: number): void;
  /** An attempt failed and another follows after `delayMs`. */
  onRetry?(retry: RetryNotice): void;
  /** Something the user should know that is not a failure (a start-over, an unusable digest). */
  onNote?(text: string): void;
}

/** A retry about to happen. */
export interface RetryNotice {
  /** Why the attempt failed, in a few words (no URL). */
  readonly reason: string;
  readonly delayMs: number;
  /** The number of the next attempt (2, 3, …) and the most there will be in a row without progress. */
  readonly attempt: number;
  readonly failuresInRow: number;
  readonly retries: number;
  /** Where the next attempt continues, and the size when known. */
  readonly resumeAt: number;
  readonly size: number | undefined;
}

/** How to transfer. */
export interface TransferOptions {
  /** The session's got instance: credentials, redirects, timeouts. */
  readonly got: Got;
  /** Failed attempts in a row without progress before giving up. */
  readonly retries: number;
  /** The first backoff, doubled for each failure in a row. */
  readonly retryDelayMs: number;
  /** `false` when the caller sends its own `Range`: one plain request, no resuming, no digest check. */
  readonly resume: boolean;
  /** Send `Want-Digest` (unless the caller sends its own). */
  readonly askDigest: boolean;
  /** `--checksum`. */
  readonly expected?: StatedDigest | undefined;
  /** What an earlier run recorded beside the partial file (`--continue`). */
  readonly state?: PartState | undefined;
  readonly events?: TransferEvents | undefined;
}

/** A digest the bytes were checked against. */
export interface CheckedDigest {
  readonly digest: StatedDigest;
  /** `server`: its `Digest` header; `given`: `--checksum`. */
  readonly source: "server" | "given";
}

/** How a transfer went. */
export interface TransferResult {
  /** Bytes of the file (all of it, including any resumed from an earlier run). */
  readonly bytes: number;
  /** Bytes that came over the network in this run. */
  readonly received: number;
  readonly checked: CheckedDigest[];
  /** Why a digest could not be checked. */
  readonly unchecked: string[];
  readonly attempts: number;
  /** Where this run continued an earlier run's partial file, if it did. */
  readonly continuedFrom: number | undefined;
  /** The reader of stdout went away: the transfer stopped early, not failed. */
  readonly stopped: boolean;
}

/** The bytes do not match a stated digest. */
export class DigestMismatch extends Error {
  override readonly name = "DigestMismatch";
}

/** Start the file again from its first byte, for `reason`. */
class StartOver extends Error {
  override readonly name = "StartOver";
  constructor(
    readonly reason: string,
    /** The server does not answer Range requests usably: stop asking. */
    readonly rangeBroken = false,
  ) {
    super(reason);
  }
}

/** The body ended before the file did. */
class IncompleteBody extends Error {
  override readonly name = "IncompleteBody";
  readonly code = "ERR_STREAM_PREMATURE_CLOSE";
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function lengthOf(response: Response): number | undefined {
  const length = Number(headerValue(response.headers["content-length"]));
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** Why an attempt failed, briefly: `HTTP 503 Service Unavailable`, `read ECONNRESET`. */
export function briefReason(err: unknown): string {
  const status = statusOf(err);
  if (status !== undefined) {
    const message = (err as { response?: { statusMessage?: string } }).response?.statusMessage;
    return `HTTP ${status}${message ? ` ${message}` : ""}`;
  }
  // got's messages name no URL, but a reason is shown: any URL in it is redacted all the same.
  return redactUrlsInText((err as Error | undefined)?.message ?? String(err));
}

/** Wait for the response of a got stream, or its error. */
function responseOf(stream: Request): Promise<Response> {
  return new Promise((resolve, reject) => {
    const onResponse = (response: Response) => {
      stream.off("error", onError);
      resolve(response);
    };
    const onError = (err: Error) => {
      stream.off("response", onResponse);
      reject(err);
    };
    stream.once("response", onResponse);
    stream.once("error", onError);
  });
}

/** Transfer `url` into `sink`; resolves when the file is complete and checked. */
export function transfer(
  url: string,
  sink: Sink,
  options: TransferOptions,
): Promise<TransferResult> {
  return new Transfer(url, sink, options).run();
}

class Transfer {
  readonly #url: string;
  readonly #sink: Sink;
  readonly #options: TransferOptions;
  #validators: Validators = {};
  #size: number | undefined;
  #digests: StatedDigest[] = [];
  #unusable: string[] = [];
  #checksums = new Map<ChecksumAlgorithm, Checksum>();
  /** Responses the bytes on the sink come from, since the file last started. */
  #pieces = 0;
  #askDigest: boolean;
  #startOvers = 0;
  #wholeAfterMismatch = false;
  #fromZero = false;
  #rangeBroken = false;
  #received = 0;
  readonly #continuedFrom: number | undefined;

  constructor(url: string, sink: Sink, options: TransferOptions) {
    this.#url = url;
    this.#sink = sink;
    this.#options = options;
    this.#askDigest = options.askDigest && options.resume;
    const state = options.state;
    if (state) {
      this.#validators = { etag: state.etag, lastModified: state.lastModified };
      this.#size = state.size;
      this.#digests = (state.digests ?? []).map((d) => ({
        algorithm: d.algorithm,
        value: Buffer.from(d.hex, "hex"),
      }));
    }
    this.#continuedFrom = sink.accepted > 0 ? sink.accepted : undefined;
    // A partial file longer than the file it belongs to is not a part of it.
    if (this.#size !== undefined && sink.accepted > this.#size) this.#fromZero = true;
    this.#pieces = sink.accepted > 0 ? 1 : 0;
  }

  get #events(): TransferEvents {
    return this.#options.events ?? {};
  }

  async run(): Promise<TransferResult> {
    let attempts = 0;
    let failuresInRow = 0;
    for (;;) {
      attempts += 1;
      const receivedBefore = this.#received;
      try {
        await this.#attempt();
        await this.#verify();
        return this.#result(attempts, false);
      } catch (err) {
        if (err instanceof OutputClosed) return this.#result(attempts, true);
        if (err instanceof StartOver) {
          this.#startOvers += 1;
          if (!this.#sink.restartable) {
            throw new Error(
              `${err.reason}; the bytes already written cannot be taken back, so the download stops`,
            );
          }
          if (this.#startOvers > MAX_START_OVERS) {
            throw new Error(`${err.reason}; gave up after starting over ${MAX_START_OVERS} times`);
          }
          if (err.rangeBroken) this.#rangeBroken = true;
          this.#fromZero = true;
          this.#events.onNote?.(`${err.reason}: starting over`);
          continue;
        }
        if (!isRetryable(err)) throw err;
        // Progress is what arrived, whatever happened to it (a start-over empties the file).
        const progressed = this.#received - receivedBefore >= PROGRESS_BYTES;
        failuresInRow = progressed ? 1 : failuresInRow + 1;
        if (failuresInRow > this.#options.retries) throw err;
        if (statusOf(err) === 500 && this.#askDigest) {
          // XrdHttp 5.5 answers 500 to a Want-Digest naming no algorithm it is configured
          // for: the next attempts ask for none.
          this.#askDigest = false;
          this.#events.onNote?.("HTTP 500 to a request with Want-Digest: asking for no digest");
        }
        const delayMs = retryDelayMs(failuresInRow, this.#options.retryDelayMs, err);
        this.#events.onRetry?.({
          reason: briefReason(err),
          delayMs,
          attempt: attempts + 1,
          failuresInRow,
          retries: this.#options.retries,
          resumeAt: this.#resumePoint(),
          size: this.#size,
        });
        await sleep(delayMs);
      }
    }
  }

  #result(attempts: number, stopped: boolean): TransferResult {
    return {
      bytes: this.#sink.accepted,
      received: this.#received,
      checked: this.#checked,
      unchecked: this.#uncheckedReasons,
      attempts,
      continuedFrom: this.#continuedFrom,
      stopped,
    };
  }

  #checked: CheckedDigest[] = [];
  #uncheckedReasons: string[] = [];

  /** Where the next attempt continues: 0 when it starts over or cannot resume. */
  #resumePoint(): number {
    if (this.#fromZero || this.#rangeBroken || !this.#options.resume) return 0;
    return this.#sink.accepted;
  }

  async #startFromZero(): Promise<void> {
    await this.#sink.restart();
    for (const algorithm of [...this.#checksums.keys()]) {
      this.#checksums.set(algorithm, newChecksum(algorithm));
    }
    this.#pieces = 0;
  }

  /** One request; resolves when its body is written and the file is complete. */
  async #attempt(): Promise<void> {
    const resumeAt = this.#resumePoint();
    if (resumeAt === 0 && this.#sink.accepted > 0) await this.#startFromZero();
    this.#fromZero = false;
    const overlap = Math.min(resumeAt, OVERLAP_BYTES);
    const expectedTail = overlap > 0 ? await this.#sink.tail(overlap) : undefined;

    const headers: Record<string, string> = {};
    if (this.#askDigest) headers["want-digest"] = WANT_DIGEST;
    const validator = ifRange(this.#validators);
    if (resumeAt > 0) {
      headers.range = rangeHeader(resumeAt - overlap, this.#size);
      if (validator !== undefined) headers["if-range"] = validator;
    }
    const body = this.#options.got.stream(this.#url, {
      headers,
      decompress: false, // the bytes as the server has them: what Range and digests count
      retry: { limit: 0 }, // retries are ours (see retry.ts)
    });
    // From here on every error of the stream is awaited through `finished` below.
    const completion = finished(body, { writable: false });
    completion.catch(() => undefined);
    let response: Response;
    try {
      response = await responseOf(body);
    } catch (err) {
      body.destroy();
      // 416 to a range that started inside the file as it was: the file is shorter now.
      if (resumeAt > 0 && statusOf(err) === 416) {
        throw new StartOver(
          `the server answered 416 to Range: ${headers.range}: the file is shorter than it was`,
        );
      }
      throw err;
    }

    let from = resumeAt;
    let skip = 0;
    let size: number | undefined;
    const stated = parseDigestHeaders(response.headers);
    const validators = validatorsOf(response.headers);
    if (response.statusCode === 206 && resumeAt > 0) {
      const contentRange = headerValue(response.headers["content-range"]);
      const range = parseContentRange(contentRange);
      if (range === undefined || range.start !== resumeAt - overlap) {
        body.destroy();
        throw new StartOver(
          `the server's answer to Range: ${headers.range} does not fit (Content-Range: ${contentRange ?? "none"})`,
          true,
        );
      }
      if (
        (this.#size !== undefined && range.total !== undefined && range.total !== this.#size) ||
        validatorsDiffer(this.#validators, validators) ||
        digestsDisagree(this.#digests, stated.digests)
      ) {
        body.destroy();
        throw new StartOver("the file changed on the server since its first bytes arrived");
      }
      size = range.total ?? this.#size;
      skip = overlap;
    } else if (response.statusCode === 206 && this.#options.resume) {
      body.destroy();
      throw new Error("the server answered 206 Partial Content to a request without Range");
    } else {
      if (resumeAt > 0) {
        // A 200 to a Range request: with If-Range, the file changed; without, the server
        // ignores Range. Either way this body is the whole file: write it from the start.
        const why =
          validator !== undefined
            ? "the server sent the whole file again (it changed, or ignores Range)"
            : "the server ignores Range and sent the whole file";
        this.#events.onNote?.(`${why}: starting over`);
        if (!this.#sink.restartable) {
          body.destroy();
          throw new Error(
            `${why}; the bytes already written cannot be taken back, so the download stops`,
          );
        }
        if (validator === undefined) this.#rangeBroken = true;
        await this.#startFromZero();
        from = 0;
      }
      size = this.#options.resume ? lengthOf(response) : undefined;
    }

    this.#validators = validators;
    this.#size = size;
    this.#digests =
      from === 0
        ? stated.digests
        : [
            ...this.#digests,
            ...stated.digests.filter(
              (d) => !this.#digests.some((o) => o.algorithm === d.algorithm),
            ),
          ];
    this.#unusable = stated.unusable;
    this.#pieces = from === 0 ? 1 : this.#pieces + 1;
    await this.#sink.saveState?.({
      url: recordedUrl(this.#url),
      etag: validators.etag,
      lastModified: validators.lastModified,
      size,
      digests: this.#digests.map((d) => ({ algorithm: d.algorithm, hex: checksumHex(d.value) })),
    });
    if (this.#options.resume) await this.#prepareChecksums(from);
    this.#events.onStart?.(size, from);

    const checksums = [...this.#checksums.values()];
    const onChunk = (data: Buffer): Promise<void> | undefined => {
      let chunk = data;
      if (skip > 0) {
        const n = Math.min(skip, chunk.length);
        const at = overlap - skip;
        if (!chunk.subarray(0, n).equals((expectedTail as Buffer).subarray(at, at + n))) {
          throw new StartOver(
            "the bytes before the resume point differ from those on disk: the file changed on the server",
          );
        }
        skip -= n;
        chunk = chunk.subarray(n);
        if (chunk.length === 0) return undefined;
      }
      for (const checksum of checksums) checksum.update(chunk);
      this.#received += chunk.length;
      this.#events.onBytes?.(chunk.length);
      return this.#sink.write(chunk) ? undefined : this.#sink.drain();
    };

    try {
      await pump(body, completion, onChunk);
    } catch (err) {
      // What arrived before the failure is kept (and counted) for the next attempt.
      await this.#sink.flush();
      throw err;
    }
    await this.#sink.flush();
    if (skip > 0 || (size !== undefined && this.#sink.accepted !== size)) {
      throw new IncompleteBody(
        `the connection closed at ${this.#sink.accepted} of ${size ?? "?"} bytes`,
      );
    }
  }

  /** Compute every digest to be checked, over the bytes already written too. */
  async #prepareChecksums(from: number): Promise<void> {
    const wanted = new Set<ChecksumAlgorithm>(this.#digests.map((d) => d.algorithm));
    if (this.#options.expected) wanted.add(this.#options.expected.algorithm);
    const missing = [...wanted].filter((a) => !this.#checksums.has(a));
    if (missing.length === 0) return;
    const fresh = missing.map(newChecksum);
    if (from > 0) {
      if (this.#sink.readBack === undefined) return; // reported as unchecked by #verify
      await this.#sink.readBack(from, (chunk) => {
        for (const checksum of fresh) checksum.update(chunk);
      });
    }
    for (const checksum of fresh) this.#checksums.set(checksum.algorithm, checksum);
  }

  /** Check the complete file against the stated digests. */
  async #verify(): Promise<void> {
    this.#checked = [];
    this.#uncheckedReasons = this.#unusable.map(
      (text) => `the server's ${text} is not a value of that algorithm`,
    );
    if (!this.#options.resume) return;
    const wanted: CheckedDigest[] = this.#digests.map((digest) => ({ digest, source: "server" }));
    if (this.#options.expected) wanted.push({ digest: this.#options.expected, source: "given" });
    for (const check of wanted) {
      const checksum = this.#checksums.get(check.digest.algorithm);
      if (checksum === undefined) {
        this.#uncheckedReasons.push(
          `${check.digest.algorithm} could not be computed over bytes already written`,
        );
        continue;
      }
      const actual = checksum.digest();
      if (actual.equals(check.digest.value)) {
        this.#checked.push(check);
        continue;
      }
      const source = check.source === "server" ? "the server's Digest" : "--checksum";
      const what = `${formatDigest({ algorithm: check.digest.algorithm, value: actual })} does not match ${source} (${checksumHex(check.digest.value)})`;
      if (this.#pieces > 1 && !this.#wholeAfterMismatch && this.#sink.restartable) {
        this.#wholeAfterMismatch = true;
        throw new StartOver(`${what}, for a file put together from ${this.#pieces} responses`);
      }
      throw new DigestMismatch(what);
    }
  }
}

/**
 * Feed a body to `onChunk` with backpressure (a returned promise pauses the body until it
 * settles) until `completion` (the stream's `finished`) settles.
 */
async function pump(
  body: Request,
  completion: Promise<void>,
  onChunk: (chunk: Buffer) => Promise<void> | undefined,
): Promise<void> {
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
    body.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  body.on("data", (chunk: Buffer) => {
    if (failure !== undefined) return;
    let wait: Promise<void> | undefined;
    try {
      wait = onChunk(chunk);
    } catch (err) {
      fail(err);
      return;
    }
    if (wait !== undefined) {
      body.pause();
      wait.then(() => {
        if (failure === undefined) body.resume();
      }, fail);
    }
  });
  try {
    await completion;
  } catch (err) {
    throw failure ?? err;
  }
  if (failure !== undefined) throw failure;
}
