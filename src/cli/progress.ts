// The download progress bar of `igwn-auth get`: bytes, rate and ETA on stderr, drawn by
// cli-progress. It appears only once a download has run for a moment, so a small
// response never flashes a bar.
import cliProgress from "cli-progress";
import { formatBytes } from "./format.js";

/** Where and when to draw. */
export interface ProgressOptions {
  /** Usually `process.stderr`. */
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Draw even when `stream` is not a terminal (a line per second instead of a redraw). */
  force?: boolean;
  /** Milliseconds of downloading before the bar appears (default 500). */
  delayMs?: number;
  /** The clock, in milliseconds (for tests). */
  now?: () => number;
}

const KNOWN_SIZE = "{bar} {percentage}% | {done} of {size} | {rate} | ETA {eta_formatted}";
const UNKNOWN_SIZE = "{done} | {rate} | {duration_formatted}";

/** Tracks one download and draws its bar. */
export class DownloadProgress {
  readonly #options: ProgressOptions;
  readonly #now: () => number;
  readonly #started: number;
  #bar: cliProgress.SingleBar | undefined;
  #stopped = false;

  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  /** Whether a bar has been drawn. */
  get visible(): boolean {
    return this.#bar !== undefined;
  }

  #payload(transferred: number, total: number | undefined) {
    const seconds = Math.max((this.#now() - this.#started) / 1000, 0.001);
    return {
      done: formatBytes(transferred),
      size: total === undefined ? "?" : formatBytes(total),
      rate: `${formatBytes(Math.round(transferred / seconds))}/s`,
    };
  }

  /** Record progress: `transferred` bytes so far of `total` (undefined when unknown). */
  update(transferred: number, total: number | undefined): void {
    if (this.#stopped) return;
    const payload = this.#payload(transferred, total);
    if (!this.#bar) {
      if (this.#now() - this.#started < (this.#options.delayMs ?? 500)) return;
      this.#bar = new cliProgress.SingleBar(
        {
          stream: this.#options.stream,
          format: total === undefined ? UNKNOWN_SIZE : KNOWN_SIZE,
          noTTYOutput: this.#options.force === true,
          notTTYSchedule: 1000,
          hideCursor: false,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(total ?? 0, transferred, payload);
      return;
    }
    this.#bar.update(transferred, payload);
  }

  /** Draw the final state and release the terminal line. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#bar?.stop();
  }
}
