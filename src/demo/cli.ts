// Run the built `igwn-auth` command as a user would, as a child process.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** dist/cli/main.js, beside this file's dist/demo folder. */
export const CLI_PATH = fileURLToPath(new URL("../cli/main.js", import.meta.url));

export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `igwn-auth …args` with `env`; resolves when it exits (killed after 20 s). */
export function runIgwnAuth(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
