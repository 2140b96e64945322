import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests start real servers and spawn child processes; keep the two cores busy
    // without oversubscribing them.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Process warnings are not printed: a test that causes one on purpose captures and
    // asserts it, and test/setup/isolate-env.ts fails a test for any other warning.
    execArgv: ["--no-warnings"],
    setupFiles: ["test/setup/isolate-env.ts"],
  },
});
