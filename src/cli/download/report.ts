// The lines `igwn-auth get` writes about each file, and the summary of a run. Plain text;
// the caller escapes control characters on the way out.
import { formatBytes, formatDuration } from "../format.js";
import type { RetryNotice, TransferResult } from "./transfer.js";

/** How one file of a run ended. */
export interface FileOutcome {
  readonly label: string;
  readonly status: "done" | "skipped" | "failed";
  readonly result?: TransferResult | undefined;
  /** Why it failed (URL redacted): a line, and for a 401 or 403 the lines that explain it. */
  readonly message?: string | undefined;
  /** The exit code its failure asks for. */
  readonly exitCode?: number | undefined;
  /** Bytes kept in the partial file for `--continue`, and that file's name. */
  readonly kept?: { bytes: number; name: string } | undefined;
  /** Why it was skipped. */
  readonly skipped?: string | undefined;
  readonly seconds: number;
}

function rate(bytes: number, seconds: number): string {
  return `${formatBytes(Math.round(bytes / Math.max(seconds, 0.001)))}/s`;
}

function seconds(value: number): string {
  return value < 10 ? `${value.toFixed(1)} s` : formatDuration(value);
}

/** `H-H1.gwf: 120.0 MiB in 2.3 s (52.1 MiB/s), adler32 checked`. */
export function outcomeLine(outcome: FileOutcome): string {
  if (outcome.status === "skipped") return `${outcome.label}: ${outcome.skipped ?? "skipped"}`;
  if (outcome.status === "failed") {
    const kept = outcome.kept
      ? `; ${formatBytes(outcome.kept.bytes)} kept in ${outcome.kept.name} (--continue resumes it)`
      : "";
    // The first line says what failed; an explanation (of a 401 or 403) follows it.
    const [first, ...explanation] = (outcome.message ?? "unknown error").split("\n");
    return [`${outcome.label} failed: ${first}${kept}`, ...explanation].join("\n");
  }
  const result = outcome.result as TransferResult;
  const parts = [
    `${formatBytes(result.bytes)} in ${seconds(outcome.seconds)} (${rate(result.received, outcome.seconds)})`,
  ];
  if (result.continuedFrom !== undefined) {
    parts.push(`continued from ${formatBytes(result.continuedFrom)}`);
  }
  for (const check of result.checked) {
    parts.push(
      check.source === "server"
        ? `${check.digest.algorithm} checked`
        : `${check.digest.algorithm} matches --checksum`,
    );
  }
  for (const reason of result.unchecked) parts.push(`not checked: ${reason}`);
  return `${outcome.label}: ${parts.join(", ")}`;
}

/** `H-H1.gwf: read ECONNRESET at 12.0 of 120.0 MiB; retrying in 2 s, from 12.0 MiB (attempt 2)`. */
export function retryLine(label: string, notice: RetryNotice): string {
  const size = notice.size === undefined ? "" : ` of ${formatBytes(notice.size)}`;
  const where = notice.resumeAt > 0 ? `from ${formatBytes(notice.resumeAt)}` : "from the start";
  const wait = notice.delayMs < 1000 ? `${notice.delayMs} ms` : seconds(notice.delayMs / 1000);
  return `${label}: ${notice.reason} at ${formatBytes(notice.resumeAt)}${size}; retrying in ${wait}, ${where} (attempt ${notice.attempt}, failure ${notice.failuresInRow} of ${notice.retries + 1} in a row)`;
}

const NAMES_IN_SUMMARY = 5;

/** `20 files, 2.4 GiB in 41 s (59.6 MiB/s)`, or `19 of 20 files, …; 1 failed: NAME`. */
export function summaryLine(outcomes: readonly FileOutcome[], elapsed: number): string {
  const failed = outcomes.filter((o) => o.status === "failed");
  const skipped = outcomes.filter((o) => o.status === "skipped").length;
  const good = outcomes.length - failed.length;
  let bytes = 0;
  let received = 0;
  for (const o of outcomes) {
    bytes += o.result?.bytes ?? 0;
    received += o.result?.received ?? 0;
  }
  const files = `${outcomes.length} file${outcomes.length === 1 ? "" : "s"}`;
  const count = failed.length === 0 ? files : `${good} of ${files}`;
  let line = `${count}, ${formatBytes(bytes)} in ${seconds(elapsed)} (${rate(received, elapsed)})`;
  if (skipped > 0) line += `, ${skipped} already there`;
  if (failed.length > 0) {
    const names = failed.slice(0, NAMES_IN_SUMMARY).map((o) => o.label);
    const more =
      failed.length > NAMES_IN_SUMMARY ? `, … (${failed.length - NAMES_IN_SUMMARY} more)` : "";
    line += `; ${failed.length} failed: ${names.join(", ")}${more}`;
  }
  return line;
}
