// Fake external commands (htgettoken, kinit) as small sh scripts in a temporary folder put
// first on PATH: the only stand-ins the test rules allow.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface FakeCommands {
  readonly dir: string;
  /** Write `name` as an sh script whose body runs after it has recorded its arguments. */
  add(name: string, body: string): string;
  /** The arguments of the last run of `name`, or `undefined` if it never ran. */
  argsOf(name: string): string[] | undefined;
  /** Take the folder off PATH again. */
  restore(): void;
}

export function fakeCommands(): FakeCommands {
  const root = process.env.IGWN_TEST_ROOT ?? "/tmp";
  const dir = mkdtempSync(join(root, "bin-"));
  const savedPath = process.env.PATH;
  process.env.PATH = `${dir}:${savedPath ?? ""}`;
  return {
    dir,
    add(name, body) {
      const path = join(dir, name);
      const script = `#!/bin/sh\nprintf '%s\\n' "$@" > "${path}.args"\n${body}\n`;
      writeFileSync(path, script, { mode: 0o755 });
      chmodSync(path, 0o755);
      return path;
    },
    argsOf(name) {
      const file = join(dir, `${name}.args`);
      if (!existsSync(file)) return undefined;
      const text = readFileSync(file, "utf8").replace(/\n$/, "");
      return text === "" ? [] : text.split("\n");
    },
    restore() {
      process.env.PATH = savedPath;
    },
  };
}
