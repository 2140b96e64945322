// Where a transfer's bytes go: a partial file beside the target (part-file.ts), or a stream
// that cannot be rewound (stdout, a device or FIFO given with -o).
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import type { PartState } from "./part-file.js";

/** The output of one transfer, as the transfer sees it. */
export interface Sink {
  /** Whether the output can be emptied to start over (a file can; stdout cannot). */
  readonly restartable: boolean;
  /** Bytes accepted so far. */
  readonly accepted: number;
  /** Take a chunk; `false`: wait for {@link Sink.drain} before the next one. */
  write(chunk: Buffer): boolean;
  drain(): Promise<void>;
  /** Every accepted byte written. */
  flush(): Promise<void>;
  /** The last `bytes` bytes accepted (for the overlap check of a resumed request). */
  tail(bytes: number): Promise<Buffer>;
  /** Empty the output (only when {@link Sink.restartable}). */
  restart(): Promise<void>;
  /** Feed the first `end` bytes of the output to `consume`, when it can be read back. */
  readBack?(end: number, consume: (chunk: Buffer) => void): Promise<void>;
  /** Record what a later run needs to resume (only outputs that outlive the run). */
  saveState?(state: PartState): Promise<void>;
}

/** The reader of a pipe went away (`igwn-auth get URL | head`): stop, quietly. */
export class OutputClosed extends Error {
  override readonly name = "OutputClosed";
}

/** Bytes a stream sink keeps of what it wrote, for the overlap check. */
const TAIL_BYTES = 256 * 1024;

/** A stream that can only be appended to: stdout, or a device or FIFO. */
export class StreamSink implements Sink {
  readonly restartable = false;
  readonly #stream: Writable | NodeJS.WriteStream;
  readonly #ownStream: boolean;
  #accepted = 0;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  #error: Error | undefined;

  /** `stream` is ended by {@link StreamSink.flush} only if `own` (stdout belongs to the process). */
  constructor(stream: Writable | NodeJS.WriteStream, own: boolean) {
    this.#stream = stream;
    this.#ownStream = own;
    stream.on("error", (err: NodeJS.ErrnoException) => {
      this.#error = err.code === "EPIPE" ? new OutputClosed("the output was closed") : err;
    });
  }

  /** stdout. */
  static stdout(): StreamSink {
    return new StreamSink(process.stdout, false);
  }

  /** A device or FIFO named by -o, written as it is. */
  static device(path: string): StreamSink {
    return new StreamSink(createWriteStream(path, { highWaterMark: 4 * 1024 * 1024 }), true);
  }

  get accepted(): number {
    return this.#accepted;
  }

  write(chunk: Buffer): boolean {
    if (this.#error) throw this.#error;
    this.#accepted += chunk.length;
    this.#tail.push(chunk);
    this.#tailBytes += chunk.length;
    while (this.#tail.length > 1 && this.#tailBytes - (this.#tail[0]?.length ?? 0) >= TAIL_BYTES) {
      this.#tailBytes -= (this.#tail.shift() as Buffer).length;
    }
    return this.#stream.write(chunk);
  }

  async drain(): Promise<void> {
    if (this.#error) throw this.#error;
    if (!this.#stream.writableNeedDrain) return;
    await new Promise<void>((done) => {
      const settle = () => {
        this.#stream.off("drain", settle);
        this.#stream.off("error", settle);
        this.#stream.off("close", settle);
        done();
      };
      this.#stream.on("drain", settle);
      this.#stream.on("error", settle);
      this.#stream.on("close", settle);
    });
    if (this.#error) throw this.#error;
  }

  async flush(): Promise<void> {
    if (this.#error) throw this.#error;
    if (!this.#ownStream) return;
    await new Promise<void>((done, fail) => {
      this.#stream.once("error", fail);
      this.#stream.end(done);
    });
  }

  async tail(bytes: number): Promise<Buffer> {
    const all = Buffer.concat(this.#tail);
    if (bytes > all.length) throw new Error(`only ${all.length} bytes of the output are kept`);
    return all.subarray(all.length - bytes);
  }

  async restart(): Promise<void> {
    throw new Error("a stream cannot be rewound");
  }
}
