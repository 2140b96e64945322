// Run a command in a child process and collect what it prints: the demo and the tests run
// the built `igwn-auth` command, npm and the integration runner this way, as a user would.
import { type ChildProcess, type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";

/** How a child process ended, and everything it printed. */
export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunNodeOptions {
  env?: NodeJS.ProcessEnv;
  /** The working folder; default this process's. */
  cwd?: string;
  /** Kill the child after this many milliseconds; default 20 s. */
  timeoutMs?: number;
  /** How to kill it on timeout; default SIGKILL to the child. */
  onTimeout?: (child: ChildProcess) => void;
  /** Give the child a process group of its own (so `onTimeout` can end all of it). */
  detached?: boolean;
  /** Called with the child once it is spawned (e.g. to watch its memory). */
  onSpawn?: (child: ChildProcess) => void;
  /** Text for the child's stdin (default: no stdin). */
  input?: string;
}

/** Run `command …args`; resolves when the child exits, rejects when it cannot start. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunNodeOptions = {},
): Promise<ChildOutcome> {
  return new Promise((done, fail) => {
    const child = spawn(command, [...args], {
      env: options.env ?? process.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.detached ? { detached: true } : {}),
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
    if (options.input !== undefined) {
      // A child that exits without reading its input must not fail the caller.
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(options.input);
    }
    options.onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    const timeout = options.onTimeout ?? ((c: ChildProcess) => c.kill("SIGKILL"));
    const timer = setTimeout(() => timeout(child), options.timeoutMs ?? 20_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** Run `node …args` (this process's own Node); resolves when the child exits. */
export function runNode(
  args: readonly string[],
  options: RunNodeOptions = {},
): Promise<ChildOutcome> {
  return runCommand(process.execPath, args, options);
}
