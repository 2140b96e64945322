// Run node in a child process and collect what it prints: the demo and the tests run the
// built `igwn-auth` command this way, as a user would.
import { type ChildProcess, spawn } from "node:child_process";

/** How a child process ended, and everything it printed. */
export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunNodeOptions {
  env?: NodeJS.ProcessEnv;
  /** Kill the child (SIGKILL) after this many milliseconds; default 20 s. */
  timeoutMs?: number;
  /** Called with the child once it is spawned (e.g. to watch its memory). */
  onSpawn?: (child: ChildProcess) => void;
  /** Text for the child's stdin (default: none, stdin ends at once). */
  input?: string;
}

/** Run `node …args`; resolves when the child exits. */
export function runNode(
  args: readonly string[],
  options: RunNodeOptions = {},
): Promise<ChildOutcome> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...args], {
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    // No input: stdin ends at once, as if it were /dev/null. A child that exits without
    // reading it must not fail the caller.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
    options.onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
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
