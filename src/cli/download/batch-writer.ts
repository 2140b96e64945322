// Write a download to a file in batches. A TLS socket delivers 16 KiB at a time, and one
// write per 16 KiB through a stream (what `pipeline(body, createWriteStream(path))` does,
// pausing the body at every 16 KiB of backpressure) made the file, not the network, the
// bottleneck: 500 MB took 4.3 s that way against 1.4 s to receive and discard it. Here
// chunks are collected into batches and each batch is written with one positional `writev`
// (no copy) while the next one fills; at most two batches are held, so memory stays flat.
//
// The batch size was measured (500 MiB over loopback, this repository's 2-core VM, ext4):
// 512–768 KiB batches cost the kernel about 0.5 s of system time, like curl's 16 KiB
// writes, and were the fastest; 128 KiB was slower, and 1 MiB and up cost 0.8–1.8 s of
// system time for the same bytes.
import type { FileHandle } from "node:fs/promises";

/** Bytes collected before they are written (see above for why this size). */
export const WRITE_BATCH_BYTES = 512 * 1024;

/**
 * Bytes waiting longer than this are written anyway: a slow or stalled transfer still has
 * what arrived on disk, for a later --continue if the run is interrupted.
 */
export const WRITE_DELAY_MS = 500;

/** Appends to an open file at a position, in batches, one write in flight at a time. */
export class BatchWriter {
  readonly #handle: FileHandle;
  readonly #batchBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Where the next batch goes. */
  #next: number;
  /** Bytes on disk (every write before `#next` that has completed). */
  #written: number;
  #inFlight: Promise<void> | undefined;
  #error: unknown;
  #timer: NodeJS.Timeout | undefined;

  constructor(handle: FileHandle, position: number, batchBytes = WRITE_BATCH_BYTES) {
    this.#handle = handle;
    this.#next = position;
    this.#written = position;
    this.#batchBytes = batchBytes;
  }

  /** Bytes accepted so far: on disk, being written or waiting for the next batch. */
  get accepted(): number {
    return this.#next + this.#pendingBytes;
  }

  /**
   * Take a chunk (the writer keeps it: do not reuse it). `false`: a batch is being written
   * and the next one is full; wait for {@link drain} before writing more.
   */
  write(chunk: Buffer): boolean {
    if (this.#error !== undefined) throw this.#error;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes < this.#batchBytes) {
      this.#timer ??= setTimeout(this.#onTimer, WRITE_DELAY_MS).unref();
      return true;
    }
    if (this.#inFlight === undefined) {
      this.#start();
      return true;
    }
    return false;
  }

  /** Wait until more may be written: the batch in flight is done and the full one started. */
  async drain(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight;
    if (this.#error !== undefined) throw this.#error;
    if (this.#pendingBytes >= this.#batchBytes) this.#start();
  }

  /** Write everything accepted; resolves when it is all on disk. */
  async flush(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight;
    if (this.#error !== undefined) throw this.#error;
    if (this.#pendingBytes > 0) {
      this.#start();
      await this.#inFlight;
    }
    if (this.#error !== undefined) throw this.#error;
  }

  /** Forget everything accepted and continue at `position` (after a flush). */
  reset(position: number): void {
    if (this.#inFlight !== undefined || this.#pendingBytes > 0) {
      throw new Error("BatchWriter.reset() before flush()");
    }
    this.#next = position;
    this.#written = position;
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    if (this.#pendingBytes === 0 || this.#error !== undefined) return;
    if (this.#inFlight === undefined) this.#start();
    else this.#timer = setTimeout(this.#onTimer, WRITE_DELAY_MS).unref();
  };

  #start(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const chunks = this.#pending;
    const bytes = this.#pendingBytes;
    const position = this.#next;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#next += bytes;
    this.#inFlight = this.#writeAll(chunks, bytes, position).then(
      () => {
        this.#written = position + bytes;
        this.#inFlight = undefined;
      },
      (err: unknown) => {
        this.#error = err;
        this.#inFlight = undefined;
      },
    );
  }

  async #writeAll(chunks: Buffer[], bytes: number, position: number): Promise<void> {
    let { bytesWritten } = await this.#handle.writev(chunks, position);
    // A short write (rare on a regular file) continues where it stopped.
    while (bytesWritten < bytes) {
      const rest = Buffer.concat(chunks).subarray(bytesWritten);
      const more = await this.#handle.write(rest, 0, rest.length, position + bytesWritten);
      if (more.bytesWritten === 0) throw new Error("the file accepts no more bytes");
      bytesWritten += more.bytesWritten;
    }
  }

  /** Bytes known to be on disk. */
  get written(): number {
    return this.#written;
  }
}
