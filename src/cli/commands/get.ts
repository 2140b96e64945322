// `igwn-auth get URL`: an authenticated GET streamed to stdout or a file. The body is
// never held in memory: got's stream is piped with backpressure, so a multi-GB frame file
// downloads in constant memory.
import { createWriteStream, rmSync } from "node:fs";
import { chmod, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Session } from "../../session/session.js";
import type { AuthFlags } from "../auth-flags.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { DownloadProgress } from "../progress.js";
import { sessionOptionsFrom } from "../session-options.js";

/** Flags of `igwn-auth get`. */
export interface GetFlags extends AuthFlags {
  /** `-o FILE`; `-` or absent: stdout. */
  output?: string;
  header?: [string, string][];
  /** `--progress` / `--no-progress`; absent: a bar when stderr is a terminal. */
  progress?: boolean;
}

/** Whether to draw a progress bar: on a terminal, unless the body goes to that terminal too. */
export function wantProgress(flags: Pick<GetFlags, "progress">, toStdout: boolean): boolean {
  if (flags.progress !== undefined) return flags.progress;
  return process.stderr.isTTY === true && !(toStdout && process.stdout.isTTY === true);
}

function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "EPIPE";
}

async function toStdout(body: Readable): Promise<void> {
  try {
    // stdout is never ended: it belongs to the process, not to this download.
    await pipeline(body, process.stdout, { end: false });
  } catch (err) {
    // `igwn-auth get URL | head` closes the pipe early: stop downloading, quietly.
    if (!isBrokenPipe(err)) throw err;
    body.destroy();
  }
}

async function existingMode(path: string): Promise<number | "not-a-file" | undefined> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats.mode & 0o7777 : "not-a-file";
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Write to a temporary file beside `path` and rename it into place when the whole body
 * has arrived, so a failed download never leaves a truncated file behind (or clobbers a
 * good one). Devices and FIFOs (`-o /dev/null`) are written directly.
 */
async function toFile(body: Readable, path: string): Promise<void> {
  const target = resolve(path);
  const mode = await existingMode(target);
  if (mode === "not-a-file") {
    await pipeline(body, createWriteStream(target));
    return;
  }
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.part`);
  // Interrupted: remove the partial file, then die of the same signal (the listener is gone).
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(temp, { force: true });
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await pipeline(body, createWriteStream(temp, { flags: "wx", mode: mode ?? 0o666 }));
    if (mode !== undefined) await chmod(temp, mode);
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Run `igwn-auth get URL`; resolves to the exit code, rejects with the failure. */
export async function runGet(url: string, flags: GetFlags): Promise<ExitCodeValue> {
  const session = new Session(await sessionOptionsFrom(url, flags, flags.header ?? []));
  const output = flags.output === "-" ? undefined : flags.output;
  const progress = wantProgress(flags, output === undefined)
    ? new DownloadProgress({
        stream: process.stderr,
        force: flags.progress === true,
        delayMs: flags.progress === true ? 0 : 500,
      })
    : undefined;
  const body = session.got.stream(url);
  if (progress) {
    body.on("downloadProgress", ({ transferred, total }: { transferred: number; total?: number }) =>
      progress.update(transferred, total),
    );
  }
  try {
    if (output === undefined) await toStdout(body);
    else await toFile(body, output);
  } finally {
    progress?.stop();
  }
  return ExitCode.OK;
}
