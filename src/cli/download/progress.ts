// What `igwn-auth get` shows on stderr while it downloads: one status line for all the
// transfers (files done, bytes, rate, time left), redrawn in place on a terminal, with the
// lines about each file (done, failed, retrying) written above it. On a pipe the status
// line is left out (unless asked for with --progress: then a line every second), and the
// file lines are all there is. Hand-written rather than cli-progress: its multi-bar
// buffers logged lines until its next redraw, and the order of lines matters here.
import { formatBytes, formatDuration } from "../format.js";

/** Where and when to draw. */
export interface ProgressOptions {
  /** Usually `process.stderr`. */
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** How many files the run has. */
  readonly files: number;
  /** Draw the status line on a stream that is not a terminal (a line per second). */
  readonly force?: boolean;
  /** Draw no status line at all (the file lines still go out). */
  readonly quiet?: boolean;
  /** Milliseconds before the status line first appears (default 500: a quick run shows none). */
  readonly delayMs?: number;
  /** The clock, in milliseconds (for tests). */
  readonly now?: () => number;
  /** Draw on a timer (default); tests draw with {@link TransferProgress.draw}. */
  readonly timer?: boolean;
}

/** How many seconds of samples the rate is taken over. */
const RATE_WINDOW_MS = 5000;
const BAR_WIDTH = 20;

interface FileProgress {
  size: number | undefined;
  done: number;
  finished: boolean;
}

/** The status line of a run, and the lines written above it. */
export class TransferProgress {
  readonly #options: ProgressOptions;
  readonly #now: () => number;
  readonly #started: number;
  readonly #tty: boolean;
  readonly #files = new Map<number, FileProgress>();
  #finished = 0;
  #received = 0;
  #samples: [time: number, received: number][] = [];
  #drawn = false;
  #lastPlain = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
    this.#tty = options.stream.isTTY === true;
    if (this.#shows && options.timer !== false) {
      this.#timer = setInterval(() => this.draw(), this.#tty ? 200 : 1000);
      this.#timer.unref();
    }
  }

  get #shows(): boolean {
    return !this.#options.quiet && (this.#tty || this.#options.force === true);
  }

  /** Whether the status line has been drawn. */
  get visible(): boolean {
    return this.#drawn;
  }

  /** File `id` is being written from `done` bytes, of `size` when known. */
  start(id: number, size: number | undefined, done: number): void {
    const file = this.#files.get(id);
    if (file) {
      file.size = size;
      file.done = done;
    } else {
      this.#files.set(id, { size, done, finished: false });
    }
  }

  /** `bytes` more of file `id` arrived. */
  add(id: number, bytes: number): void {
    const file = this.#files.get(id);
    if (file) file.done += bytes;
    this.#received += bytes;
  }

  /** File `id` is over (written, failed or skipped). */
  finish(id: number): void {
    const file = this.#files.get(id) ?? { size: undefined, done: 0, finished: false };
    if (!file.finished) this.#finished += 1;
    file.finished = true;
    if (file.size === undefined) file.size = file.done;
    this.#files.set(id, file);
  }

  /** Write a line above the status line (control characters must be escaped already). */
  log(line: string): void {
    const clear = this.#drawn && this.#tty && !this.#stopped ? "\r\x1b[2K" : "";
    this.#options.stream.write(`${clear}${line}\n`);
    if (this.#drawn && this.#tty && !this.#stopped) this.#write(this.#line());
  }

  /** Bytes per second over the last few seconds. */
  #rate(now: number): number {
    this.#samples.push([now, this.#received]);
    while (
      this.#samples.length > 2 &&
      now - (this.#samples[1] as [number, number])[0] > RATE_WINDOW_MS
    ) {
      this.#samples.shift();
    }
    const [t0, r0] = this.#samples[0] as [number, number];
    const seconds = (now - t0) / 1000;
    if (seconds < 0.5) {
      const total = (now - this.#started) / 1000;
      return total > 0 ? this.#received / total : 0;
    }
    return (this.#received - r0) / seconds;
  }

  /** The status line as it stands. */
  #line(): string {
    const now = this.#now();
    let done = 0;
    let known = 0;
    let knownFiles = 0;
    for (const file of this.#files.values()) {
      done += file.done;
      if (file.size !== undefined) {
        known += file.size;
        knownFiles += 1;
      }
    }
    const files = this.#options.files;
    // Files whose size is not known yet are taken to be as big as the known ones on average.
    const total =
      knownFiles === files ? known : knownFiles > 0 ? (known / knownFiles) * files : undefined;
    const rate = this.#rate(now);
    const parts: string[] = [];
    if (total !== undefined && total > 0) {
      const share = Math.min(1, done / total);
      const filled = Math.round(share * BAR_WIDTH);
      parts.push(
        `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)} ${Math.floor(share * 100)}%`,
      );
    }
    if (files > 1) parts.push(`${this.#finished}/${files} files`);
    const approximate = knownFiles === files ? "" : "~";
    parts.push(
      total === undefined
        ? formatBytes(done)
        : `${formatBytes(done)} of ${approximate}${formatBytes(total)}`,
    );
    parts.push(`${formatBytes(Math.round(rate))}/s`);
    if (total !== undefined && rate > 0 && done < total) {
      parts.push(`ETA ${approximate}${formatDuration((total - done) / rate)}`);
    } else {
      parts.push(formatDuration((now - this.#started) / 1000));
    }
    return parts.join(" | ");
  }

  #write(line: string): void {
    const columns = this.#options.stream.columns;
    const shown = columns && line.length >= columns ? line.slice(0, columns - 1) : line;
    this.#options.stream.write(this.#tty ? `\r\x1b[2K${shown}` : `${shown}\n`);
  }

  /** Draw the status line now (the timer calls this). */
  draw(): void {
    if (this.#stopped || !this.#shows) return;
    const now = this.#now();
    if (!this.#drawn && now - this.#started < (this.#options.delayMs ?? 500)) return;
    if (!this.#tty) {
      if (now - this.#lastPlain < 1000) return;
      this.#lastPlain = now;
    }
    this.#drawn = true;
    this.#write(this.#line());
  }

  /** Draw the final state (if the line was shown) and release the terminal line. */
  stop(): void {
    if (this.#stopped) return;
    clearInterval(this.#timer);
    if (this.#drawn || (this.#shows && this.#options.delayMs === 0)) {
      this.#drawn = true;
      this.#lastPlain = Number.NEGATIVE_INFINITY;
      this.#write(this.#line());
      if (this.#tty) this.#options.stream.write("\n");
    }
    this.#stopped = true;
  }
}
