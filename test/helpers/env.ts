// Environment and file helpers: every path lives under this test file's temporary root.
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A fresh folder under the test file's isolated root. */
export function tempDir(prefix = "t-"): string {
  return mkdtempSync(join(process.env.IGWN_TEST_ROOT ?? "/nonexistent", prefix));
}

/** Write a file with a mode (the mode is applied exactly, umask aside). */
export function writeFile(path: string, text: string, mode = 0o600): string {
  writeFileSync(path, text, { mode });
  return path;
}

const saved = new Map<string, string | undefined>();

/** Set environment variables for one test; undo with {@link restoreEnv} (in afterEach). */
export function setEnv(vars: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(vars)) {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

export function restoreEnv(): void {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
}
