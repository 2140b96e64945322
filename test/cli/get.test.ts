import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeCredentialFile } from "../helpers/x509-pki.js";
import {
  bareEnv,
  bigBodySha256,
  type CliWorld,
  errors,
  inWorld,
  runCli,
  startWorld,
} from "./world.js";

let world: CliWorld;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

describe("igwn-auth get", () => {
  it("writes the body to stdout, having sent the discovered token and proxy", async () => {
    const url = `${world.server.origin}/data`;
    const result = await runCli(["get", url], { env: world.env });
    expect(errors(result)).toBe("");
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({ path: "/data", bearer: true });
    expect(body.clientChain[1]).toBe(world.userCommonName);
    const received = world.server.requests.at(-1);
    expect(received?.headers.authorization).toBe(`Bearer ${world.token}`);
  });

  it("sends extra headers given with --header", async () => {
    const result = await runCli(
      ["get", "-H", "X-Extra: yes please", `${world.server.origin}/data`],
      { env: world.env },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).extra).toBe("yes please");
  });

  it("sends nothing with --no-auth", async () => {
    const result = await runCli(["get", "--no-auth", `${world.server.origin}/data`], {
      env: world.env,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ bearer: false, clientChain: [] });
  });

  it("uses the token and certificate files given with --token and --cert", async () => {
    const result = await runCli(
      ["get", "--token", world.tokenFile, "--cert", world.proxyFile, `${world.server.origin}/data`],
      { env: bareEnv(world) },
    );
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.bearer).toBe(true);
    expect(body.clientChain[1]).toBe(world.userCommonName);
  });

  it("sends no token with --token false and no certificate with --cert false", async () => {
    const result = await runCli(
      ["get", "--token", "false", "--cert", "false", `${world.server.origin}/data`],
      { env: world.env },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ bearer: false, clientChain: [] });
  });

  it("sends netrc basic auth only with --token false", async () => {
    const netrc = writeCredentialFile(
      world.dir,
      "netrc",
      "machine 127.0.0.1 login albert password pw\n",
    );
    const env = { ...world.env, NETRC: netrc };
    const tokens = await runCli(["get", "--cert", "false", `${world.server.origin}/data`], { env });
    expect(JSON.parse(tokens.stdout)).toMatchObject({ bearer: true, basic: false });
    const basic = await runCli(
      ["get", "--token", "false", "--cert", "false", `${world.server.origin}/data`],
      { env },
    );
    expect(basic.code).toBe(0);
    expect(JSON.parse(basic.stdout)).toMatchObject({ bearer: false, basic: true });
  });

  it("trusts the CA given with --ca instead of NODE_EXTRA_CA_CERTS", async () => {
    const { NODE_EXTRA_CA_CERTS: _ca, ...env } = world.env;
    const untrusted = await runCli(["get", `${world.server.origin}/data`], { env });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/--ca FILE/);
    const trusted = await runCli(["get", "--ca", world.caFile, `${world.server.origin}/data`], {
      env,
    });
    expect(errors(trusted)).toBe("");
    expect(trusted.code).toBe(0);
    expect(JSON.parse(trusted.stdout).bearer).toBe(true);
  });

  it("on an HTTP error prints one line with the status and URL and exits 1", async () => {
    const url = `${world.server.origin}/missing`;
    const result = await runCli(["get", url], { env: world.env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(errors(result)).toBe(`igwn-auth: HTTP 404 Not Found for ${url}\n`);
  });

  it("on a 403 says why: what was sent, what the server said, what to do, and exits 1", async () => {
    const url = `${world.server.origin}/forbidden`;
    const result = await runCli(["get", "--cert", "false", url], { env: world.env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const lines = errors(result).trimEnd().split("\n");
    expect(lines[0]).toBe(`igwn-auth: HTTP 403 Forbidden for ${url}`);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^ {2}sent: bearer token from \\$BEARER_TOKEN_FILE \\(${world.tokenFile}\\) \\(sub albert\\.einstein; aud https://127\\.0\\.0\\.1; scope read:/data; \\d+ (h|min)`,
        ),
      ),
      '  server: Bearer error="insufficient_scope", scope="read:/frames/O4"',
      '  next: get a token whose scope grants "read:/frames/O4": htgettoken -a vault.ligo.org -i igwn --scopes "read:/frames/O4"',
      `  next: run \`igwn-auth diagnose ${url}\` to see every credential looked at`,
    ]);
    expect(lines.length).toBeLessThan(25); // one screen, not a dump
  });

  it("on a 401 with nothing to send says what was passed over and how to get a token", async () => {
    const expired = writeCredentialFile(world.dir, "expired-token", "not.a.token\n");
    const url = `${world.server.origin}/unauthorized`;
    const result = await runCli(["get", "--cert", "false", url], {
      env: { ...bareEnv(world), BEARER_TOKEN_FILE: expired },
    });
    expect(result.code).toBe(1);
    const text = errors(result);
    expect(text).toMatch(
      new RegExp(`^igwn-auth: HTTP 401 Unauthorized for ${url}\n {2}sent: nothing\n`),
    );
    expect(text).toContain(`  passed over: $BEARER_TOKEN_FILE (${expired}): `);
    expect(text).toContain('  server: Bearer realm="data", error="invalid_token"');
    expect(text).toContain("  next: the server refused the token: get a new one with htgettoken");
  });

  it("leaves no file behind when -o FILE gets an HTTP error", async () => {
    const out = inWorld(world, "missing.out");
    const result = await runCli(["get", "-o", out, `${world.server.origin}/missing`], {
      env: world.env,
    });
    expect(result.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(world.dir).filter((n) => n.endsWith(".part"))).toEqual([]);
  });

  it("exits 2 with --fail-if-noauth when there is no credential, sending nothing", async () => {
    const before = world.server.requests.length;
    const result = await runCli(["get", "--fail-if-noauth", `${world.server.origin}/data`], {
      env: bareEnv(world),
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^igwn-auth: no valid authorisation credentials found/);
    expect(world.server.requests.length).toBe(before);
  });

  it("exits 2 on a usage error", async () => {
    const noUrl = await runCli(["get"], { env: world.env });
    expect(noUrl.code).toBe(2);
    const badFlag = await runCli(["get", "--bogus", `${world.server.origin}/data`], {
      env: world.env,
    });
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/unknown option '--bogus'/);
    const both = await runCli(
      ["get", "--no-auth", "--fail-if-noauth", `${world.server.origin}/data`],
      { env: world.env },
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--no-auth and --fail-if-noauth cannot be used together/);
  });

  it("exits 1 with the reason when the server cannot be reached", async () => {
    const result = await runCli(
      ["get", "--retries", "0", "--no-auth", "https://127.0.0.1:1/data"],
      {
        env: world.env,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^igwn-auth: request to https:\/\/127\.0\.0\.1:1\/data failed: .*ECONNREFUSED/,
    );
  });

  it("gives up on a stalled transfer after --timeout, keeping what arrived in .NAME.part only", async () => {
    const out = inWorld(world, "stalled.bin");
    const part = inWorld(world, ".stalled.bin.part");
    const started = Date.now();
    const result = await runCli(
      ["get", "--timeout", "0.5", "--retries", "0", "-o", out, `${world.server.origin}/stall`],
      { env: world.env },
    );
    expect(result.code).toBe(1);
    expect(errors(result)).toMatch(
      /^igwn-auth: request to .*\/stall failed: Timeout awaiting 'socket'.*\nigwn-auth: 1\.0 MiB kept in \.stalled\.bin\.part: --continue resumes it\n$/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(existsSync(out)).toBe(false);
    expect(statSync(part).size).toBe(1024 * 1024);
    expect(statSync(part).mode & 0o777).toBe(0o600);
    expect(statSync(`${part}.json`).mode & 0o777).toBe(0o600);
    rmSync(part);
    rmSync(`${part}.json`);
  });

  it("keeps the partial file when interrupted, and says how to resume it", async () => {
    const out = inWorld(world, "interrupted.bin");
    const part = inWorld(world, ".interrupted.bin.part");
    const result = await runCli(["get", "-o", out, `${world.server.origin}/stall`], {
      env: world.env,
      onSpawn: (child) => {
        // Interrupt once the first megabyte is on disk.
        const poll = setInterval(() => {
          if (existsSync(part) && statSync(part).size >= 1024 * 1024) {
            clearInterval(poll);
            child.kill("SIGINT");
          }
        }, 20);
        child.once("close", () => clearInterval(poll));
      },
    });
    expect(result.signal).toBe("SIGINT");
    expect(existsSync(out)).toBe(false);
    expect(statSync(part).size).toBe(1024 * 1024);
    expect(errors(result)).toMatch(
      /igwn-auth: interrupted: 1 partial file kept; run the same command with --continue to resume/,
    );
    rmSync(part);
    rmSync(`${part}.json`);
  });

  it("streams a body to a file in memory that does not grow with its size (50 MB vs 300 MB)", async () => {
    // What the product promises is memory flat in the body size, whatever the Node version
    // and its garbage collector do with a stream's buffers: a body held in memory would
    // add its 250 MB difference. A small young generation keeps the noise down.
    const nodeArgs = ["--max-semi-space-size=1"];
    const peaks: number[] = [];
    for (const mib of [50, 300]) {
      const out = inWorld(world, `big-${mib}.bin`);
      const result = await runCli(["get", "-o", out, `${world.server.origin}/big?mib=${mib}`], {
        env: world.env,
        sampleRss: true,
        nodeArgs,
      });
      expect(errors(result)).toBe("");
      expect(result.stderr).not.toMatch(/MiB/); // no progress bar on a pipe
      expect(result.code).toBe(0);
      expect(statSync(out).size).toBe(mib * 1024 * 1024);
      if (mib === 50) expect(await sha256Of(out)).toBe(bigBodySha256());
      rmSync(out);
      expect(result.peakRss, "peak RSS read from /proc").toBeDefined();
      peaks.push(result.peakRss as number);
    }
    expect((peaks[1] as number) - (peaks[0] as number)).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);

  it("draws a progress bar with --progress, even on a pipe, and writes to a device", async () => {
    const result = await runCli(
      ["get", "--progress", "-o", "/dev/null", `${world.server.origin}/big?mib=5`],
      { env: world.env },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/5\.0 MiB of 5\.0 MiB/);
    expect(result.stderr).toMatch(/MiB\/s/);
  });
});
