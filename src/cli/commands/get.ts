// `igwn-auth get URL...`: authenticated downloads. One URL goes to stdout or `-o FILE`;
// many (given, or listed with --from-file) go to `-d DIR`, `-j N` at a time on one
// Session. Each is retried and resumed after a failure, checked against the server's
// digest and --checksum, and renamed into place only when complete and checked; the
// machinery is in ../download/. Bodies are never held in memory.
import { rmSync, statSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { Session } from "../../session/session.js";
import type { AuthFlags } from "../auth-flags.js";
import {
  DEFAULT_JOBS,
  DEFAULT_RETRIES,
  DEFAULT_RETRY_DELAY_SECONDS,
  STALL_TIMEOUT_MS,
} from "../download/defaults.js";
import { parseChecksumOption, type StatedDigest } from "../download/digests.js";
import { type DownloadContext, downloadFile } from "../download/download-file.js";
import type { PartFile } from "../download/part-file.js";
import { type PlannedDownload, planDownloads } from "../download/plan.js";
import { TransferProgress } from "../download/progress.js";
import { runQueue } from "../download/queue.js";
import { type FileOutcome, outcomeLine, retryLine, summaryLine } from "../download/report.js";
import type { TransferEvents } from "../download/transfer.js";
import { readUrlList } from "../download/url-list.js";
import { ExitCode, type ExitCodeValue, UsageError } from "../exit-codes.js";
import { escapeControl, formatBytes } from "../format.js";
import { PROGRAM } from "../output.js";
import { sessionOptionsFrom } from "../session-options.js";

/** Flags of `igwn-auth get`. */
export interface GetFlags extends AuthFlags {
  /** `-o FILE`; `-`: stdout. */
  output?: string;
  /** `-d DIR`. */
  dir?: string;
  /** `--from-file LIST`; `-`: stdin. */
  fromFile?: string;
  /** `-j N`: transfers at once. */
  jobs?: number;
  /** `--continue`: resume partial files of an earlier run, skip files already there. */
  continue?: boolean;
  /** `--checksum ALG:HEX`, as given. */
  checksum?: string;
  /** `--retries N`: failed attempts in a row without progress before giving up. */
  retries?: number;
  /** `--retry-delay SECONDS`: the first wait before a retry, doubled each time. */
  retryDelay?: number;
  /** `--no-digest` makes this `false`: no Want-Digest, no server digest checked. */
  digest?: boolean;
  header?: [string, string][];
  /** `--progress` / `--no-progress`; absent: a status line when stderr is a terminal. */
  progress?: boolean;
}

/** Whether to draw the status line: on a terminal, unless the body goes to that terminal too. */
export function wantProgress(flags: Pick<GetFlags, "progress">, toStdout: boolean): boolean {
  if (flags.progress !== undefined) return flags.progress;
  return process.stderr.isTTY === true && !(toStdout && process.stdout.isTTY === true);
}

function checkFlags(plans: readonly PlannedDownload[], flags: GetFlags): void {
  if (flags.checksum !== undefined && plans.length !== 1) {
    throw new UsageError(`--checksum is for one URL (${plans.length} given)`);
  }
  if (flags.continue && plans.some((plan) => plan.target === undefined)) {
    throw new UsageError("--continue needs -o FILE or -d DIR: stdout cannot be resumed");
  }
}

async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot use -d ${escapeControl(dir)} as a folder (${code ?? err})`);
  }
}

/**
 * On SIGINT/SIGTERM: partial files with bytes stay for --continue, empty ones go; then the
 * process dies of the same signal.
 */
function onInterrupt(active: Set<PartFile>): () => void {
  const handler = (signal: NodeJS.Signals) => {
    let kept = 0;
    for (const part of active) {
      let size = 0;
      try {
        size = statSync(part.part).size;
      } catch {
        // already gone
      }
      if (size > 0) kept += 1;
      else {
        rmSync(part.part, { force: true });
        rmSync(part.statePath, { force: true });
      }
    }
    if (kept > 0) {
      writeSync(
        2,
        `\n${PROGRAM}: interrupted: ${kept} partial file${kept === 1 ? "" : "s"} kept; run the same command with --continue to resume\n`,
      );
    }
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

/** Run `igwn-auth get URL...`; resolves to the exit code, rejects with a usage or credential error. */
export async function runGet(urls: readonly string[], flags: GetFlags): Promise<ExitCodeValue> {
  const listed = flags.fromFile === undefined ? [] : await readUrlList(flags.fromFile);
  const plans = planDownloads([...urls, ...listed], {
    output: flags.output,
    dir: flags.dir,
    fromFile: flags.fromFile !== undefined,
  });
  checkFlags(plans, flags);
  let expected: StatedDigest | undefined;
  if (flags.checksum !== undefined) {
    try {
      expected = parseChecksumOption(flags.checksum);
    } catch (err) {
      throw new UsageError(
        `--checksum ${escapeControl(flags.checksum)}: ${(err as Error).message}`,
      );
    }
  }
  const headers = flags.header ?? [];
  const options = await sessionOptionsFrom((plans[0] as PlannedDownload).url, flags, headers);
  if (flags.timeout === undefined) options.timeout = { socket: STALL_TIMEOUT_MS };
  const session = new Session(options);
  if (flags.dir !== undefined) await makeDir(flags.dir);

  const batch = flags.dir !== undefined;
  const progress = new TransferProgress({
    stream: process.stderr,
    files: plans.length,
    force: flags.progress === true,
    quiet: !wantProgress(
      flags,
      plans.every((plan) => plan.target === undefined),
    ),
    delayMs: flags.progress === true ? 0 : 500,
  });
  // A line about the run; an error's explanation (a 401's or 403's) follows on lines of its own.
  const say = (text: string) => {
    const [first, ...rest] = text.split("\n");
    progress.log(
      [`${PROGRAM}: ${escapeControl(first ?? "")}`, ...rest.map(escapeControl)].join("\n"),
    );
  };
  const ctx: DownloadContext = {
    got: session.got,
    retries: flags.retries ?? DEFAULT_RETRIES,
    retryDelayMs: (flags.retryDelay ?? DEFAULT_RETRY_DELAY_SECONDS) * 1000,
    // A Range of the user's own is sent as it is: nothing to resume or check then.
    resume: !headers.some(([name]) => name === "range"),
    askDigest: flags.digest !== false && !headers.some(([name]) => name === "want-digest"),
    continue: flags.continue === true,
    expected,
    active: new Set(),
  };
  const eventsFor = (
    index: number,
    label: string,
  ): TransferEvents & { onNote(text: string): void } => ({
    onStart: (size, from) => progress.start(index, size, from),
    onBytes: (bytes) => progress.add(index, bytes),
    onRetry: (notice) => say(retryLine(label, notice)),
    onNote: (text) => say(`${label}: ${text}`),
  });

  const release = plans.some((plan) => plan.target !== undefined)
    ? onInterrupt(ctx.active)
    : undefined;
  const started = performance.now();
  const outcomes: FileOutcome[] = [];
  try {
    await runQueue(plans, batch ? (flags.jobs ?? DEFAULT_JOBS) : 1, async (plan, index) => {
      const outcome = await downloadFile(plan, ctx, eventsFor(index, plan.label));
      outcomes[index] = outcome;
      progress.finish(index);
      // One URL to stdout or -o: quiet on success, as before; a failure is one line.
      if (batch) say(outcomeLine(outcome));
      else if (outcome.status === "failed") {
        say(outcome.message ?? "failed");
        if (outcome.kept) {
          say(
            `${formatBytes(outcome.kept.bytes)} kept in ${outcome.kept.name}: --continue resumes it`,
          );
        }
      }
    });
  } finally {
    release?.();
    progress.stop();
  }
  if (batch) say(summaryLine(outcomes, (performance.now() - started) / 1000));
  const codes = outcomes.filter((o) => o.status === "failed").map((o) => o.exitCode ?? 1);
  return codes.length === 0 ? ExitCode.OK : (Math.max(...codes) as ExitCodeValue);
}
