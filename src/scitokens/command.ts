// Run an external credential command (htgettoken, kinit) and turn every way it can fail
// into an IgwnAuthError that carries the command's own message. Internal.
import { spawn } from "node:child_process";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";

export interface RunCommandOptions {
  /** Kill the command after this many milliseconds. */
  timeout?: number | undefined;
  /** Let the command read the terminal (for prompts), rather than an empty stdin. */
  interactive?: boolean | undefined;
  /** Copy the command's stderr to ours as it arrives (e.g. an OIDC URL to visit). */
  echoStderr?: boolean | undefined;
  /** Extra words for the "not found" message, e.g. how to install the command. */
  installHint?: string | undefined;
}

// Enough to hold any real error message, bounded so a chatty command cannot grow memory.
const MAX_CAPTURE = 64 * 1024;

// A JWT in a message would be a leaked credential: commands should never print one in an
// error, but their output is not ours to trust.
const JWT_LIKE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

function lastLines(text: string): string {
  const lines = text
    .replace(JWT_LIKE, "[redacted token]")
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== "");
  return lines.slice(-10).join("\n");
}

/**
 * Run `command args`, resolving when it exits with status 0.
 *
 * @throws {IgwnAuthError} code `ERR_COMMAND_FAILED` when the command is missing, cannot
 * start, exits non-zero, is killed by a signal or runs past `timeout`; the message carries
 * the last lines of its stderr (or stdout when stderr is empty).
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: [options.interactive ? "inherit" : "ignore", "pipe", "pipe"],
      env: process.env,
    });
    let stderr = "";
    let stdout = "";
    let timedOut = false;
    const capture = (text: string, chunk: Buffer): string => {
      const next = text + chunk.toString("utf8");
      return next.length > MAX_CAPTURE ? next.slice(-MAX_CAPTURE) : next;
    };
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout = capture(stdout, chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = capture(stderr, chunk);
      if (options.echoStderr) process.stderr.write(chunk);
    });
    const timer =
      options.timeout === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGTERM");
            // A command that ignores SIGTERM must still not hang the caller.
            setTimeout(() => child.kill("SIGKILL"), 2000).unref();
          }, options.timeout);
    const fail = (message: string, cause?: unknown) => {
      if (timer) clearTimeout(timer);
      reject(new IgwnAuthError(message, { code: ErrorCode.COMMAND_FAILED, cause }));
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") {
        const hint = options.installHint ? ` (${options.installHint})` : "";
        fail(`${command} was not found on PATH${hint}`, err);
      } else {
        fail(`${command} could not be run: ${err.message}`, err);
      }
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      const output = lastLines(stderr) || lastLines(stdout);
      const detail = output ? `:\n${output}` : "";
      if (timedOut) {
        fail(`${command} did not finish within ${options.timeout} ms and was stopped${detail}`);
      } else if (signal) {
        fail(`${command} was killed by ${signal}${detail}`);
      } else if (code !== 0) {
        fail(`${command} failed (exit status ${code})${detail}`);
      } else {
        resolve();
      }
    });
  });
}
