// `npm run demo` end to end: the built demo runs as a child process, succeeds, shows each
// kind of credential at work, prints no secret and leaves nothing behind.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/env.js";

const DEMO = resolve(import.meta.dirname, "../../dist/dev/demo/main.js");

function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: run \`npm run build\` first`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [DEMO], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      output += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      output += text;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe("npm run demo", () => {
  it("runs every step, prints no secret and cleans up after itself", {
    timeout: 40_000,
  }, async () => {
    const tmp = tempDir("demo-tmp-");
    const { code, output } = await runDemo({ ...process.env, TMPDIR: tmp });
    expect(output).toMatch(/Demo finished: every step did what it should\./);
    expect(code).toBe(0);
    // A Session with each kind of credential, and the command line.
    expect(output).toMatch(/came back\s+200: the service saw a valid token \(sub albert\.einstein/);
    expect(output).toMatch(
      /and client certificate \/DC=org\/DC=cilogon\/C=US\/O=LIGO\/CN=Albert Einstein/,
    );
    expect(output).toMatch(/the service saw basic auth for albert\.einstein/);
    expect(output).toMatch(/elsewhere\s+received Authorization: none/);
    expect(output).toMatch(/came back\s+401/);
    expect(output).toMatch(/\$ igwn-auth get .*\n.*\n?\s+exit 0; wrote 256 KiB/);
    expect(output).toMatch(/Verdict: a request to .* would carry/);
    // No token (a JWT starts with base64url of `{"`), key or password in the output.
    expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(output).not.toMatch(/PRIVATE KEY/);
    expect(output).not.toMatch(/login albert\.einstein password/);
    // Its folder is gone, and nothing else was left in the temporary folder.
    const folder = /Cleaned up: servers closed, (\S+) removed\./.exec(output)?.[1];
    expect(folder).toBeDefined();
    expect(existsSync(folder as string)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("says it failed and exits non-zero when it cannot run", async () => {
    const { code, output } = await runDemo({ ...process.env, TMPDIR: "/nonexistent/igwn-demo" });
    expect(code).toBe(1);
    expect(output).toMatch(/Demo FAILED with an error: .*\/nonexistent\/igwn-demo/);
  });
});
