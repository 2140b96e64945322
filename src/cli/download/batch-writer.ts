// Write a download to a file in batches. A TLS socket delivers 16 KiB at a time, and one
// write per 16 KiB through a stream (what `pipeline(body, createWriteStream(path))` does,
// pausing the body at every 16 KiB of backpressure) made the file, not the network, the
// bottleneck: 500 MB took 4.3 s that way against 1.4 s to receive and discard it. Here
// chunks are collected into batches and each batch is written with one positional `writev`
// (no copy) while the next ones fill; at most MAX_HELD_BYTES are held, so memory stays flat.
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

/**
 * Bytes held before the writer asks its source to wait: several batches, so that a write
 * that takes a few milliseconds longer does not stall the network at once, and few enough
 * that `-j 64` transfers to a slow disk hold a few hundred MiB at most.
 */
export const MAX_HELD_BYTES = 4 * 1024 * 1024;

interface Batch {
  readonly chunks: Buffer[];
  readonly bytes: number;
  readonly position: number;
}

/** Appends to an open file at a position, in batches written one at a time, in order. */
export class BatchWriter {
  readonly #handle: FileHandle;
  readonly #batchBytes: number;
  readonly #maxHeld: number;
  /** The batch being filled. */
  #filling: Buffer[] = [];
  #fillingBytes = 0;
  /** Full batches, the first one being written. */
  #queue: Batch[] = [];
  #queuedBytes = 0;
  /** Bytes on disk: every batch before the queue's first. */
  #written: number;
  #writing: Promise<void> | undefined;
  /** Settles after each batch written (or the first failure). */
  #progress: { promise: Promise<void>; settle: () => void } | undefined;
  #error: unknown;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    handle: FileHandle,
    position: number,
    batchBytes = WRITE_BATCH_BYTES,
    maxHeld = MAX_HELD_BYTES,
  ) {
    this.#handle = handle;
    this.#written = position;
    this.#batchBytes = batchBytes;
    this.#maxHeld = Math.max(maxHeld, 2 * batchBytes);
  }

  /** Bytes accepted so far: on disk, being written or waiting. */
  get accepted(): number {
    return this.#written + this.#queuedBytes + this.#fillingBytes;
  }

  /** Bytes known to be on disk. */
  get written(): number {
    return this.#written;
  }

  get #held(): number {
    return this.#queuedBytes + this.#fillingBytes;
  }

  /**
   * Take a chunk (the writer keeps it: do not reuse it). `false`: enough is held; wait for
   * {@link drain} before writing more.
   */
  write(chunk: Buffer): boolean {
    if (this.#error !== undefined) throw this.#error;
    this.#filling.push(chunk);
    this.#fillingBytes += chunk.length;
    if (this.#fillingBytes >= this.#batchBytes) this.#enqueue();
    else this.#timer ??= setTimeout(this.#onTimer, WRITE_DELAY_MS).unref();
    return this.#held < this.#maxHeld;
  }

  /** Wait until more may be written (less than the limit is held). */
  async drain(): Promise<void> {
    while (this.#held >= this.#maxHeld && this.#error === undefined) await this.#nextProgress();
    if (this.#error !== undefined) throw this.#error;
  }

  /** Write everything accepted; resolves when it is all on disk. */
  async flush(): Promise<void> {
    if (this.#fillingBytes > 0) this.#enqueue();
    while (this.#writing !== undefined) await this.#writing;
    if (this.#error !== undefined) throw this.#error;
  }

  /** Forget everything accepted and continue at `position` (after a flush). */
  reset(position: number): void {
    if (this.#held > 0) throw new Error("BatchWriter.reset() before flush()");
    this.#written = position;
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    if (this.#fillingBytes > 0 && this.#error === undefined) this.#enqueue();
  };

  #nextProgress(): Promise<void> {
    if (this.#progress === undefined) {
      let settle = () => {};
      const promise = new Promise<void>((done) => {
        settle = done;
      });
      this.#progress = { promise, settle };
    }
    return this.#progress.promise;
  }

  #notify(): void {
    const progress = this.#progress;
    this.#progress = undefined;
    progress?.settle();
  }

  /** The batch being filled joins the queue, and the queue is written if it is not already. */
  #enqueue(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const last = this.#queue.at(-1);
    const position = last ? last.position + last.bytes : this.#written;
    this.#queue.push({ chunks: this.#filling, bytes: this.#fillingBytes, position });
    this.#queuedBytes += this.#fillingBytes;
    this.#filling = [];
    this.#fillingBytes = 0;
    this.#writing ??= this.#writeQueue();
  }

  async #writeQueue(): Promise<void> {
    try {
      for (let batch = this.#queue[0]; batch !== undefined; batch = this.#queue[0]) {
        await this.#writeAll(batch);
        this.#queue.shift();
        this.#queuedBytes -= batch.bytes;
        this.#written = batch.position + batch.bytes;
        this.#notify();
      }
    } catch (err) {
      this.#error = err;
      this.#notify();
    } finally {
      this.#writing = undefined;
    }
  }

  async #writeAll({ chunks, bytes, position }: Batch): Promise<void> {
    let { bytesWritten } = await this.#handle.writev(chunks, position);
    // A short write (rare on a regular file) continues where it stopped.
    while (bytesWritten < bytes) {
      const rest = Buffer.concat(chunks).subarray(bytesWritten);
      const more = await this.#handle.write(rest, 0, rest.length, position + bytesWritten);
      if (more.bytesWritten === 0) throw new Error("the file accepts no more bytes");
      bytesWritten += more.bytesWritten;
    }
  }
}
