// `igwn-auth get` over connections that break and files that change: a broken transfer
// continues from the bytes on disk with Range and If-Range; anything that does not fit (a
// changed file, a server that ignores Range or answers it wrongly) starts over and is never
// appended; --continue resumes a partial file an earlier run left, and Ctrl-C leaves one.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/env.js";
import { content, type FileServer, sha256, startFileServer } from "./file-server.js";
import { type CliWorld, errors, runCli, useDownloadWorld } from "./world.js";

let world: CliWorld;
let files: FileServer;

useDownloadWorld((w, f) => {
  world = w;
  files = f;
});

const MiB = 1024 * 1024;
/** Retry at once: these tests are about what is sent, not how long it waits. */
const FAST = ["--retry-delay", "0.01"];

/**
 * `igwn-auth get`, sending no credentials unless the test gives one: what these tests are
 * about needs none, and the credential tests are elsewhere (and one here).
 */
function get(args: string[], options: Parameters<typeof runCli>[1] = {}) {
  const auth = args.includes("--token") ? [] : ["--no-auth"];
  return runCli(["get", ...FAST, ...auth, ...args], { env: world.env, ...options });
}

/** The byte a `Range: bytes=N-M` starts at. */
function rangeStart(header: string | string[] | undefined): number {
  const match = /^bytes=(\d+)-(\d+)$/.exec(String(header));
  if (!match) throw new Error(`not a closed range: ${header}`);
  return Number(match[1]);
}

describe("igwn-auth get resumes a broken transfer", () => {
  it("continues after a connection reset with Range (the last byte named) and If-Range, byte-exact", async () => {
    const body = content(3 * MiB);
    const url = files.put("/reset/a.gwf", { body, plan: [{ reset: MiB + 123 }] });
    const dir = tempDir("reset-");
    const result = await get(["-d", dir, url]);
    expect(errors(result)).toMatch(
      /a\.gwf: .*ECONNRESET.* retrying in 10 ms, from [\d.]+ (KiB|MiB)/,
    );
    expect(result.code).toBe(0);
    expect(sha256(readFileSync(join(dir, "a.gwf")))).toBe(sha256(body));
    const [first, second, ...more] = files.requestsFor("/reset/a.gwf");
    expect(more).toEqual([]);
    expect(first?.headers.range).toBeUndefined();
    // The resumed request asks again for the 64 KiB before the resume point, to compare.
    expect(second?.headers.range).toMatch(/^bytes=\d+-3145727$/);
    expect(rangeStart(second?.headers.range)).toBeGreaterThan(0);
    expect(second?.headers["if-range"]).toMatch(/^"[0-9a-f]{16}"$/);
    // Sent as XrdHttp before 5.7 needs them: canonical names.
    expect(second?.rawHeaders).toContain("Range");
    expect(second?.rawHeaders).toContain("If-Range");
    expect(readdirSync(dir)).toEqual(["a.gwf"]);
  });

  it("reads a 206 whose Content-Range line ends in LF alone (as XrdHttp 5.5's): a session reads Range answers leniently", async () => {
    const body = content(2 * MiB);
    const url = files.put("/barelf/lf.gwf", { body, bareLf: true, plan: [{ reset: MiB }] });
    const dir = tempDir("barelf-");
    const result = await get(["-d", dir, url]);
    expect(errors(result)).not.toMatch(/Parse Error/);
    expect(result.code).toBe(0);
    expect(sha256(readFileSync(join(dir, "lf.gwf")))).toBe(sha256(body));
    // The whole file, cut after 1 MiB; then the rest, read at once (no refused attempt).
    expect(files.requestsFor("/barelf/lf.gwf")).toHaveLength(2);
  });

  it("retries a 503 after its backoff, then succeeds", async () => {
    const body = content(200_000);
    const url = files.put("/busy/b.gwf", { body, plan: [{ status: 503 }, { status: 503 }] });
    const dir = tempDir("busy-");
    const result = await get(["-d", dir, url]);
    expect(result.code).toBe(0);
    expect(errors(result).match(/HTTP 503 Service Unavailable at 0 B; retrying/g)).toHaveLength(2);
    expect(readFileSync(join(dir, "b.gwf")).equals(body)).toBe(true);
  });
});

describe("igwn-auth get resumes through redirects without moving credentials", () => {
  it("asks the URL given again on each attempt, so a redirect target on another origin never gets the token", async () => {
    const elsewhere = await startFileServer("localhost");
    try {
      const body = content(2 * MiB);
      const target = elsewhere.put("/data/r.gwf", { body, plan: [{ reset: MiB }] });
      const url = files.put("/redirect/r.gwf", {
        body: Buffer.alloc(0),
        plan: [{ redirect: target }, { redirect: target }],
      });
      const dir = tempDir("redirect-");
      // An explicit token is sent as is to the origin of the request made: were the retry
      // made to the redirect target itself, it would get the token.
      const result = await get(["--token", world.tokenFile, "-d", dir, url]);
      expect(result.code).toBe(0);
      expect(sha256(readFileSync(join(dir, "r.gwf")))).toBe(sha256(body));
      const atOrigin = files.requestsFor("/redirect/r.gwf");
      const atTarget = elsewhere.requestsFor("/data/r.gwf");
      expect(atOrigin.map((r) => r.headers.authorization)).toEqual([
        `Bearer ${world.token}`,
        `Bearer ${world.token}`,
      ]);
      expect(atTarget).toHaveLength(2);
      expect(atTarget.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
      expect(atTarget[1]?.headers.range).toMatch(/^bytes=\d+-2097151$/);
    } finally {
      await elsewhere.close();
    }
  });
});

describe("igwn-auth get never splices onto a changed file", () => {
  it("starts over from the 200 a server sends when If-Range no longer holds", async () => {
    const before = content(2 * MiB);
    const after = content(2 * MiB + 5);
    const url = files.put("/changed/c.gwf", {
      body: before,
      plan: [{ reset: MiB }, { change: after }],
    });
    const dir = tempDir("changed-");
    const result = await get(["-d", dir, url]);
    expect(result.code).toBe(0);
    expect(errors(result)).toMatch(
      /c\.gwf: the server sent the whole file again .*: starting over/,
    );
    expect(sha256(readFileSync(join(dir, "c.gwf")))).toBe(sha256(after));
    expect(files.requestsFor("/changed/c.gwf")).toHaveLength(2);
  });

  it("catches a change from a server without validators that ignores If-Range (as XrdHttp 5.5) by the bytes before the resume point", async () => {
    const before = content(2 * MiB);
    const after = content(2 * MiB);
    const url = files.put("/xrdlike/d.gwf", {
      body: before,
      etag: null,
      ifRange: false,
      plan: [{ reset: MiB }, { change: after }],
    });
    const dir = tempDir("xrdlike-");
    const result = await get(["-d", dir, url]);
    expect(result.code).toBe(0);
    expect(errors(result)).toMatch(
      /d\.gwf: the bytes before the resume point differ .*: starting over/,
    );
    expect(sha256(readFileSync(join(dir, "d.gwf")))).toBe(sha256(after));
    const requests = files.requestsFor("/xrdlike/d.gwf");
    expect(requests).toHaveLength(3);
    expect(requests[1]?.headers["if-range"]).toBeUndefined();
    expect(requests[2]?.headers.range).toBeUndefined(); // the start-over asks for it whole
  });

  it("starts over when the Content-Range of the resumed answer gives another size (the file grew)", async () => {
    const before = content(2 * MiB);
    const after = Buffer.concat([before, content(MiB)]); // same first bytes, more of them
    const url = files.put("/grown/g.gwf", {
      body: before,
      etag: null,
      plan: [{ reset: MiB }, { change: after }],
    });
    const dir = tempDir("grown-");
    const result = await get(["-d", dir, url]);
    expect(errors(result)).toMatch(
      /g\.gwf: the file changed on the server since its first bytes arrived: starting over/,
    );
    expect(result.code).toBe(0);
    expect(sha256(readFileSync(join(dir, "g.gwf")))).toBe(sha256(after));
    expect(files.requestsFor("/grown/g.gwf")).toHaveLength(3);
  });

  it("starts over when the file has become shorter than the resume point (416)", async () => {
    const before = content(2 * MiB);
    const after = content(MiB / 2);
    const url = files.put("/shrunk/s.gwf", {
      body: before,
      etag: null,
      plan: [{ reset: MiB }, { change: after }],
    });
    const dir = tempDir("shrunk-");
    const result = await get(["-d", dir, url]);
    expect(errors(result)).toMatch(
      /s\.gwf: the server answered 416 to Range: bytes=\d+-2097151: the file is shorter than it was: starting over/,
    );
    expect(result.code).toBe(0);
    expect(sha256(readFileSync(join(dir, "s.gwf")))).toBe(sha256(after));
  });

  it("starts over from the body of a server that ignores Range (200 instead of 206)", async () => {
    const body = content(2 * MiB);
    const url = files.put("/norange/e.gwf", {
      body,
      etag: null,
      range: false,
      plan: [{ reset: MiB }],
    });
    const dir = tempDir("norange-");
    const result = await get(["-d", dir, url]);
    expect(result.code).toBe(0);
    expect(errors(result)).toMatch(
      /e\.gwf: the server ignores Range and sent the whole file: starting over/,
    );
    expect(sha256(readFileSync(join(dir, "e.gwf")))).toBe(sha256(body));
    expect(files.requestsFor("/norange/e.gwf")).toHaveLength(2);
  });

  it("does not append a 206 whose Content-Range starts elsewhere than asked", async () => {
    const body = content(2 * MiB);
    const url = files.put("/skewed/f.gwf", {
      body,
      etag: null,
      contentRangeSkew: 100,
      plan: [{ reset: MiB }],
    });
    const dir = tempDir("skewed-");
    const result = await get(["-d", dir, url]);
    expect(result.code).toBe(0);
    expect(errors(result)).toMatch(
      /f\.gwf: the server's answer to Range: bytes=\d+-2097151 does not fit \(Content-Range: bytes \d+-2097151\/2097152\): starting over/,
    );
    expect(sha256(readFileSync(join(dir, "f.gwf")))).toBe(sha256(body));
    const requests = files.requestsFor("/skewed/f.gwf");
    expect(requests).toHaveLength(3);
    expect(requests[2]?.headers.range).toBeUndefined();
  });
});

describe("igwn-auth get --continue", () => {
  it("resumes the partial file a failed run kept, with the validators it recorded, and checks the whole file's digest", async () => {
    const body = content(3 * MiB);
    const url = files.put("/cont/g.gwf", { body, digest: "adler32", plan: [{ reset: MiB }] });
    const dir = tempDir("cont-");
    const part = join(dir, ".g.gwf.part");
    // The token in the URL must not end up in the state file.
    const withToken = `${url}?authz=Bearer%20in-the-url`;

    const failed = await get(["--retries", "0", "-d", dir, withToken]);
    expect(failed.code).toBe(1);
    expect(errors(failed)).toMatch(
      /g\.gwf failed: .*; [\d.]+ (KiB|MiB) kept in \.g\.gwf\.part \(--continue resumes it\)/,
    );
    expect(existsSync(join(dir, "g.gwf"))).toBe(false);
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    expect(statSync(part).mode & 0o777).toBe(0o600);
    const state = readFileSync(`${part}.json`, "utf8");
    expect(state).not.toContain("in-the-url");
    expect(JSON.parse(state)).toMatchObject({ size: 3 * MiB, etag: expect.stringMatching(/^"/) });

    const resumed = await get(["--continue", "-d", dir, withToken]);
    expect(errors(resumed)).toMatch(
      /g\.gwf: 3\.0 MiB in .*, continued from [\d.]+ (KiB|MiB), adler32 checked/,
    );
    expect(resumed.code).toBe(0);
    expect(sha256(readFileSync(join(dir, "g.gwf")))).toBe(sha256(body));
    expect(readdirSync(dir)).toEqual(["g.gwf"]);
    expect(statSync(join(dir, "g.gwf")).mode & 0o777).toBe(0o666 & ~process.umask());
    const last = files.requestsFor("/cont/g.gwf").at(-1);
    expect(rangeStart(last?.headers.range)).toBe(kept - 64 * 1024);
    expect(last?.headers["if-range"]).toBe(JSON.parse(state).etag);

    // Once more: the file is there, nothing is fetched.
    const count = files.requestsFor("/cont/g.gwf").length;
    const again = await get(["--continue", "-d", dir, withToken]);
    expect(again.code).toBe(0);
    expect(errors(again)).toMatch(/g\.gwf: already there \(--continue\)/);
    expect(files.requestsFor("/cont/g.gwf")).toHaveLength(count);
  });

  it("keeps what arrived when interrupted, and --continue completes it byte-exact", async () => {
    const body = content(4 * MiB);
    const url = files.put("/slow/h.gwf", { body, plan: [{ slow: true }] });
    const dir = tempDir("slow-");
    const part = join(dir, ".h.gwf.part");
    const interrupted = await get(["-d", dir, url], {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (existsSync(part) && statSync(part).size >= 256 * 1024) {
            clearInterval(poll);
            child.kill("SIGINT");
          }
        }, 20);
        child.once("close", () => clearInterval(poll));
      },
    });
    expect(interrupted.signal).toBe("SIGINT");
    expect(existsSync(join(dir, "h.gwf"))).toBe(false);
    expect(statSync(part).size).toBeGreaterThanOrEqual(256 * 1024);

    const resumed = await get(["--continue", "-d", dir, url]);
    expect(resumed.code).toBe(0);
    expect(errors(resumed)).toMatch(/h\.gwf: 4\.0 MiB .*continued from/);
    expect(sha256(readFileSync(join(dir, "h.gwf")))).toBe(sha256(body));
    expect(readdirSync(dir)).toEqual(["h.gwf"]);
  });
});
