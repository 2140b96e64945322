// Run the built `igwn-auth` command as a user would, as a child process.
import { fileURLToPath } from "node:url";
import { runNode } from "../testing/child-process.js";

/** dist/cli/main.js: this file is bundled into dist/dev/demo (or a chunk in dist/dev/chunks). */
export const CLI_PATH = fileURLToPath(new URL("../../cli/main.js", import.meta.url));

export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `igwn-auth …args` with `env`; resolves when it exits (killed after 20 s). */
export async function runIgwnAuth(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<CliOutcome> {
  const { code, stdout, stderr } = await runNode([CLI_PATH, ...args], { env });
  return { code, stdout, stderr };
}
