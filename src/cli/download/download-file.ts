// One URL of `igwn-auth get`, from its plan to its outcome: pick the output (a partial file
// beside the target, the target itself when it is a device or FIFO, or stdout), resume an
// earlier run's partial file with --continue, transfer, then rename the checked file into
// place — or keep the partial file for --continue when the failure is one a later run may
// get past, and remove it otherwise. Never throws: a failure is an outcome.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import type { Got } from "got";
import { ExitCode } from "../exit-codes.js";
import { describeError } from "../report-error.js";
import { type ChecksumAlgorithm, newChecksum } from "./checksums.js";
import { formatDigest, type StatedDigest } from "./digests.js";
import { PartFile, type PartState, recordedUrl } from "./part-file.js";
import type { PlannedDownload } from "./plan.js";
import type { FileOutcome } from "./report.js";
import { isRetryable } from "./retry.js";
import { type Sink, StreamSink } from "./sink.js";
import { DigestMismatch, type TransferEvents, transfer } from "./transfer.js";

/** What every download of a run shares. */
export interface DownloadContext {
  readonly got: Got;
  readonly retries: number;
  readonly retryDelayMs: number;
  /** `false` when the user sends their own `Range` (-H): one plain request per URL. */
  readonly resume: boolean;
  readonly askDigest: boolean;
  /** `--continue`. */
  readonly continue: boolean;
  readonly expected?: StatedDigest | undefined;
  /** Partial files being written now (an interrupted run tidies the empty ones). */
  readonly active: Set<PartFile>;
}

async function targetKind(path: string): Promise<"file" | "absent" | "other"> {
  try {
    return (await stat(path)).isFile() ? "file" : "other";
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw err;
  }
}

async function fileChecksum(path: string, algorithm: ChecksumAlgorithm): Promise<Buffer> {
  const checksum = newChecksum(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    checksum.update(chunk as Buffer);
  }
  return checksum.digest();
}

/** The output for a file target, or why the download is not needed (`--continue`). */
async function openTarget(
  plan: PlannedDownload,
  target: string,
  ctx: DownloadContext,
  note: (text: string) => void,
): Promise<{ sink: Sink; part?: PartFile; state?: PartState } | { skipped: string }> {
  const kind = await targetKind(target);
  // A device or FIFO (-o /dev/null) is written as it is: nothing to rename or resume.
  if (kind === "other") return { sink: StreamSink.device(target) };
  if (ctx.continue && kind === "file") {
    if (ctx.expected === undefined) return { skipped: "already there (--continue)" };
    const actual = await fileChecksum(target, ctx.expected.algorithm);
    if (actual.equals(ctx.expected.value)) {
      return { skipped: `already there, ${ctx.expected.algorithm} matches --checksum` };
    }
    note(
      `the file there has ${formatDigest({ algorithm: ctx.expected.algorithm, value: actual })}, not the --checksum value: downloading it again`,
    );
  }
  if (ctx.continue) {
    const reopened = await PartFile.reopen(target);
    if (reopened !== undefined) {
      if (reopened.state === undefined || reopened.state.url === recordedUrl(plan.url)) {
        return { sink: reopened.file, part: reopened.file, state: reopened.state };
      }
      note(`${basename(reopened.file.part)} was left by a download of another URL: starting over`);
      await reopened.file.discard();
    }
  }
  const part = await PartFile.create(target);
  return { sink: part, part };
}

/** Download one planned URL; resolves to its outcome. */
export async function downloadFile(
  plan: PlannedDownload,
  ctx: DownloadContext,
  events: TransferEvents & { onNote(text: string): void },
): Promise<FileOutcome> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let part: PartFile | undefined;
  try {
    let sink: Sink;
    let state: PartState | undefined;
    if (plan.target === undefined) {
      sink = StreamSink.stdout();
    } else {
      const opened = await openTarget(plan, plan.target, ctx, events.onNote);
      if ("skipped" in opened) {
        return { label: plan.label, status: "skipped", skipped: opened.skipped, seconds: 0 };
      }
      ({ sink, part, state } = opened);
    }
    if (part) ctx.active.add(part);
    const result = await transfer(plan.url, sink, {
      got: ctx.got,
      retries: ctx.retries,
      retryDelayMs: ctx.retryDelayMs,
      resume: ctx.resume,
      askDigest: ctx.askDigest,
      expected: ctx.expected,
      state,
      events,
    });
    if (part) await part.finalize();
    return { label: plan.label, status: "done", result, seconds: elapsed() };
  } catch (err) {
    let kept: FileOutcome["kept"];
    if (part) {
      const bytes = part.accepted;
      // Keep what a later run can continue from; never bytes that failed a check.
      if (bytes > 0 && isRetryable(err)) {
        await part.keep().catch(() => undefined);
        kept = { bytes, name: basename(part.part) };
      } else {
        await part.discard();
      }
    }
    const report =
      err instanceof DigestMismatch
        ? { message: `${err.message}; the file is not kept`, exitCode: ExitCode.REQUEST_FAILED }
        : describeError(err, plan.url);
    return {
      label: plan.label,
      status: "failed",
      message: report.message,
      exitCode: report.exitCode,
      kept,
      seconds: elapsed(),
    };
  } finally {
    if (part) ctx.active.delete(part);
  }
}
