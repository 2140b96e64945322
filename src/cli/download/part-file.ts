// The partial file of a download: `.NAME.part` beside the target, readable by its owner
// only, renamed to NAME once the whole file has arrived and its digest checked. Beside it,
// `.NAME.part.json` keeps what a later `--continue` needs to resume it safely: the URL
// (redacted: no token or password is ever written), the validators for `If-Range`, the
// size and the digests the server stated.
//
// The partial file is made with O_EXCL (a symlink planted in its place is never followed)
// and reopened with O_NOFOLLOW, only when it is a regular file of the user's own; before
// the rename the command checks that the file at that path is still the one it wrote.
import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { redactUrl } from "../../lib/redact-url.js";
import { BatchWriter } from "./batch-writer.js";
import type { ChecksumAlgorithm } from "./checksums.js";
import type { Sink } from "./sink.js";

/** The partial file and its state file, for a target path. */
export function partPaths(target: string): { part: string; state: string } {
  const part = join(dirname(target), `.${basename(target)}.part`);
  return { part, state: `${part}.json` };
}

/** What `.NAME.part.json` holds. */
export interface PartState {
  /** The URL, redacted (see `redactUrl`): a partial file is resumed only for the same URL. */
  readonly url: string;
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
  /** The size of the whole file, when the server said it. */
  readonly size?: number | undefined;
  /** The digests of the whole file the server stated, hex. */
  readonly digests?: readonly { algorithm: ChecksumAlgorithm; hex: string }[] | undefined;
}

const MAX_STATE_BYTES = 64 * 1024;
const READ_BYTES = 4 * 1024 * 1024;

/** The URL as a partial file records it (and compares it). */
export function recordedUrl(url: string): string {
  return redactUrl(url);
}

function isPartState(value: unknown): value is PartState {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const optionalString = (x: unknown) => x === undefined || typeof x === "string";
  return (
    typeof v.url === "string" &&
    optionalString(v.etag) &&
    optionalString(v.lastModified) &&
    (v.size === undefined || (Number.isSafeInteger(v.size) && (v.size as number) >= 0)) &&
    (v.digests === undefined ||
      (Array.isArray(v.digests) &&
        v.digests.every(
          (d) =>
            typeof d === "object" &&
            d !== null &&
            typeof (d as { algorithm?: unknown }).algorithm === "string" &&
            typeof (d as { hex?: unknown }).hex === "string",
        )))
  );
}

function ownsFile(stats: Stats): boolean {
  return stats.isFile() && (process.getuid === undefined || stats.uid === process.getuid());
}

/** A partial file being written. */
export class PartFile implements Sink {
  readonly restartable = true;
  readonly target: string;
  readonly part: string;
  readonly statePath: string;
  readonly #handle: FileHandle;
  readonly #writer: BatchWriter;
  #closed = false;

  private constructor(target: string, handle: FileHandle, position: number) {
    this.target = target;
    ({ part: this.part, state: this.statePath } = partPaths(target));
    this.#handle = handle;
    this.#writer = new BatchWriter(handle, position);
  }

  /** Start a new partial file for `target`, replacing any left by an earlier run. */
  static async create(target: string): Promise<PartFile> {
    const { part, state } = partPaths(target);
    await Promise.all([rm(part, { force: true }), rm(state, { force: true })]);
    // O_EXCL: if something appeared at this path since, fail rather than follow it.
    const handle = await open(part, "wx+", 0o600); // read too: the overlap check reads it back
    return new PartFile(target, handle, 0);
  }

  /**
   * Reopen the partial file an earlier run left for `target`, with its state when that was
   * kept; `undefined` when there is none.
   *
   * @throws Error when the path holds something that is not a regular file of the user's.
   */
  static async reopen(
    target: string,
  ): Promise<{ file: PartFile; state: PartState | undefined } | undefined> {
    const { part, state } = partPaths(target);
    let handle: FileHandle;
    try {
      handle = await open(part, constants.O_RDWR | constants.O_NOFOLLOW);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return undefined;
      if (code === "ELOOP") throw new Error(`${basename(part)} is a symbolic link: not resumed`);
      throw err;
    }
    const stats = await handle.stat();
    if (!ownsFile(stats)) {
      await handle.close();
      throw new Error(`${basename(part)} is not a regular file of yours: not resumed`);
    }
    const file = new PartFile(target, handle, stats.size);
    return { file, state: await readState(state) };
  }

  get accepted(): number {
    return this.#writer.accepted;
  }

  write(chunk: Buffer): boolean {
    return this.#writer.write(chunk);
  }

  drain(): Promise<void> {
    return this.#writer.drain();
  }

  flush(): Promise<void> {
    return this.#writer.flush();
  }

  async tail(bytes: number): Promise<Buffer> {
    await this.flush();
    const out = Buffer.alloc(bytes);
    const { bytesRead } = await this.#handle.read(out, 0, bytes, this.#writer.written - bytes);
    if (bytesRead !== bytes) throw new Error(`${basename(this.part)} is shorter than expected`);
    return out;
  }

  async restart(): Promise<void> {
    await this.flush();
    await this.#handle.truncate(0);
    this.#writer.reset(0);
  }

  async readBack(end: number, consume: (chunk: Buffer) => void): Promise<void> {
    await this.flush();
    let position = 0;
    while (position < end) {
      const buffer = Buffer.allocUnsafe(Math.min(READ_BYTES, end - position));
      const { bytesRead } = await this.#handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) throw new Error(`${basename(this.part)} is shorter than expected`);
      consume(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  }

  /** Record what a later `--continue` needs (readable by the owner only). */
  async saveState(state: PartState): Promise<void> {
    const handle = await open(
      this.statePath,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      await handle.writeFile(`${JSON.stringify(state)}\n`);
    } finally {
      await handle.close();
    }
  }

  /**
   * Rename the complete file to its target, with the target's mode if it existed, else a
   * new file's (0666 less the umask); the state file goes.
   *
   * @throws Error when the partial file was replaced or removed meanwhile (another run
   *   writing the same target): nothing is renamed then.
   */
  async finalize(): Promise<void> {
    await this.flush();
    const mine = await this.#handle.stat();
    const there = await lstat(this.part).catch(() => undefined);
    if (there === undefined || there.ino !== mine.ino || there.dev !== mine.dev) {
      await this.#close();
      throw new Error(
        `${basename(this.part)} was replaced or removed while downloading (another run writing ${basename(this.target)}?)`,
      );
    }
    const existing = await stat(this.target).catch(() => undefined);
    const mode = existing?.isFile() ? existing.mode & 0o7777 : 0o666 & ~process.umask();
    await this.#handle.chmod(mode);
    await this.#close();
    await rename(this.part, this.target);
    await rm(this.statePath, { force: true });
  }

  /** Remove the partial file and its state. */
  async discard(): Promise<void> {
    await this.#close().catch(() => undefined);
    await Promise.all([rm(this.part, { force: true }), rm(this.statePath, { force: true })]);
  }

  /** Write what is accepted and close, leaving the partial file for `--continue`. */
  async keep(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.#close();
    }
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }
}

async function readState(path: string): Promise<PartState | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stats = await handle.stat();
    if (!ownsFile(stats) || stats.size > MAX_STATE_BYTES) return undefined;
    const value: unknown = JSON.parse(await handle.readFile("utf8"));
    return isPartState(value) ? value : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
