// Runs before every test file: point every credential-related path at a fresh temporary
// folder so no test can read or write the real user's credentials.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect } from "vitest";

const ISOLATED_PREFIXES = [
  "X509_",
  "SCITOKEN",
  "BEARER_TOKEN",
  "_CONDOR_CREDS",
  "IGWN_AUTH_UTILS_",
];
const ISOLATED_NAMES = ["NETRC", "KRB5_KTNAME", "KRB5CCNAME", "DEBUG", "NODE_DEBUG"];

for (const name of Object.keys(process.env)) {
  if (ISOLATED_NAMES.includes(name) || ISOLATED_PREFIXES.some((p) => name.startsWith(p))) {
    delete process.env[name];
  }
}

const root = mkdtempSync(join(tmpdir(), "igwn-auth-test-"));
const home = join(root, "home");
const runtime = join(root, "run");
const cache = join(root, "cache");
for (const dir of [home, runtime, cache]) mkdirSync(dir, { recursive: true, mode: 0o700 });

process.env.HOME = home;
process.env.XDG_RUNTIME_DIR = runtime;
process.env.XDG_CACHE_HOME = cache;
process.env.NETRC = join(home, ".netrc");
process.env.IGWN_TEST_ROOT = root;

// A test file's folder goes with it: nothing of a run is left in the system's temporary
// folder (files a test made read-only or unreadable included).
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

// The library's own warnings (codes IGWN_*, e.g. a token passed over with `warn: true`) are
// part of what tests exercise, and the tests that expect one assert it. Any other warning —
// Node's MaxListenersExceededWarning, a deprecation — is a defect of the code or of a test.
const unexpectedWarnings: string[] = [];
process.on("warning", (warning: Error & { code?: string }) => {
  if (!warning.code?.startsWith("IGWN_")) {
    unexpectedWarnings.push(`${warning.name}: ${warning.message}`);
  }
});
afterEach(async () => {
  await new Promise((resolve) => setImmediate(resolve)); // warnings come on the next tick
  expect(unexpectedWarnings.splice(0)).toEqual([]);
});
