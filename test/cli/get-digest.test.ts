// `igwn-auth get` checks what it wrote, end to end: against the digest the server states
// on `Want-Digest` (RFC 3230, as XRootD does it) and against --checksum. A file that fails
// is not left under its name, nor as a partial file; a file put together from several
// responses that fails is downloaded whole once more first.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/env.js";
import { content, type FileServer, sha256, zlibAdler32 } from "./file-server.js";
import { type CliWorld, errors, runCli, useDownloadWorld } from "./world.js";

let world: CliWorld;
let files: FileServer;

useDownloadWorld((w, f) => {
  world = w;
  files = f;
});

const MiB = 1024 * 1024;

/** `igwn-auth get` with no credentials: digests need none (credentials are tested elsewhere). */
function get(args: string[]) {
  return runCli(["get", "--retry-delay", "0.01", "--no-auth", ...args], { env: world.env });
}

describe("igwn-auth get checks digests", () => {
  it("asks for adler32 first and checks the Digest the server sends", async () => {
    const body = content(2 * MiB + 7);
    const url = files.put("/digest/good.gwf", { body, digest: "adler32" });
    const dir = tempDir("good-");
    const result = await get(["-d", dir, url]);
    expect(errors(result)).toMatch(/^igwn-auth: good\.gwf: 2\.0 MiB in .*, adler32 checked$/m);
    expect(result.code).toBe(0);
    expect(readFileSync(join(dir, "good.gwf")).equals(body)).toBe(true);
    const request = files.requestsFor("/digest/good.gwf")[0];
    expect(request?.headers["want-digest"]).toBe("adler32, crc32c;q=0.5, sha-256;q=0.3");
    expect(request?.rawHeaders).toContain("Want-Digest");
  });

  it("fails a file whose bytes do not match the server's Digest, and leaves nothing of it", async () => {
    const body = content(MiB);
    const url = files.put("/digest/bad.gwf", { body, digest: "wrong" });
    const dir = tempDir("bad-");
    const result = await get(["-d", dir, url]);
    expect(result.code).toBe(1);
    expect(errors(result)).toMatch(
      new RegExp(
        `^igwn-auth: bad\\.gwf failed: adler32 ${zlibAdler32(body)} does not match the server's Digest \\([0-9a-f]{8}\\); the file is not kept$`,
        "m",
      ),
    );
    expect(readdirSync(dir)).toEqual([]);
    expect(files.requestsFor("/digest/bad.gwf")).toHaveLength(1); // one response: no second try
  });

  it("checks a resumed file over all its bytes, those from before the break included", async () => {
    const body = content(3 * MiB);
    const url = files.put("/digest/resumed.gwf", {
      body,
      digest: "adler32",
      plan: [{ reset: MiB }],
    });
    const dir = tempDir("resumed-");
    const result = await get(["-d", dir, url]);
    expect(errors(result)).toMatch(/resumed\.gwf: 3\.0 MiB in .*, adler32 checked/);
    expect(result.code).toBe(0);
    expect(files.requestsFor("/digest/resumed.gwf")).toHaveLength(2);
  });

  /** A file changed at its first byte only: same size, same bytes around any resume point. */
  function changedAtFirstByte(before: Buffer): Buffer {
    const after = Buffer.from(before);
    after[0] = (after[0] as number) ^ 0xff;
    return after;
  }

  it("starts over when the Digest of a resumed response differs from the first one's", async () => {
    const before = content(2 * MiB);
    const after = changedAtFirstByte(before);
    const url = files.put("/digest/restated.gwf", {
      body: before,
      etag: null,
      ifRange: false,
      digest: "adler32",
      plan: [{ reset: MiB }, { change: after }],
    });
    const dir = tempDir("restated-");
    const result = await get(["-d", dir, url]);
    expect(errors(result)).toMatch(
      /restated\.gwf: the file changed on the server since its first bytes arrived: starting over/,
    );
    expect(result.code).toBe(0);
    expect(sha256(readFileSync(join(dir, "restated.gwf")))).toBe(sha256(after));
  });

  it("downloads a spliced file whole once more when it fails the check (a change nothing else could see)", async () => {
    const before = content(2 * MiB);
    const after = changedAtFirstByte(before);
    // No validators, If-Range ignored (XrdHttp 5.5), no digest until the file changed.
    const url = files.put("/digest/spliced.gwf", {
      body: before,
      etag: null,
      ifRange: false,
      digest: "none",
      plan: [{ reset: MiB }, { change: after, digest: "adler32" }],
    });
    const dir = tempDir("spliced-");
    const result = await get(["-d", dir, url]);
    expect(errors(result)).toMatch(
      /spliced\.gwf: adler32 \w+ does not match the server's Digest \(\w+\), for a file put together from 2 responses: starting over/,
    );
    expect(errors(result)).toMatch(/spliced\.gwf: 2\.0 MiB in .*, adler32 checked/);
    expect(result.code).toBe(0);
    expect(sha256(readFileSync(join(dir, "spliced.gwf")))).toBe(sha256(after));
    const requests = files.requestsFor("/digest/spliced.gwf");
    expect(requests).toHaveLength(3);
    expect(requests[2]?.headers.range).toBeUndefined();
  });

  it("reports a value that cannot be of its algorithm as not checked, and keeps the file", async () => {
    const body = content(1000);
    const url = files.put("/digest/odd.gwf", { body, digest: "malformed" });
    const dir = tempDir("odd-");
    const result = await get(["-d", dir, url]);
    expect(result.code).toBe(0);
    expect(errors(result)).toMatch(
      /odd\.gwf: 1000 B in .*, not checked: the server's adler32 \(.*\) is not a value of that algorithm/,
    );
  });

  it("with --no-digest asks for none and checks none", async () => {
    const body = content(1000);
    const url = files.put("/digest/none.gwf", { body, digest: "wrong" });
    const out = join(tempDir("none-"), "none.gwf");
    const result = await get(["--no-digest", "-o", out, url]);
    expect(result.code).toBe(0);
    expect(files.requestsFor("/digest/none.gwf")[0]?.headers["want-digest"]).toBeUndefined();
    expect(readFileSync(out).equals(body)).toBe(true);
  });
});

describe("igwn-auth get and servers that mind Want-Digest", () => {
  it("asks for no digest after a 500 to a request that asked for one (XrdHttp 5.5 lacking the algorithm)", async () => {
    const body = content(5000);
    const url = files.put("/digest/five-hundred.gwf", { body, plan: [{ status: 500 }] });
    const out = join(tempDir("500-"), "f.gwf");
    const result = await get(["-o", out, url]);
    expect(result.code).toBe(0);
    expect(errors(result)).toMatch(/HTTP 500 to a request with Want-Digest: asking for no digest/);
    const requests = files.requestsFor("/digest/five-hundred.gwf");
    expect(requests.map((r) => r.headers["want-digest"] !== undefined)).toEqual([true, false]);
    expect(readFileSync(out).equals(body)).toBe(true);
  });

  it("sends a Range of the user's own as it is, and neither resumes nor checks a digest then", async () => {
    const body = content(5000);
    const url = files.put("/digest/ranged.gwf", { body, digest: "adler32" });
    const out = join(tempDir("ranged-"), "part.bin");
    const result = await get(["-H", "Range: bytes=10-19", "-o", out, url]);
    expect(errors(result)).toBe("");
    expect(result.code).toBe(0);
    expect(readFileSync(out).equals(body.subarray(10, 20))).toBe(true);
    const request = files.requestsFor("/digest/ranged.gwf")[0];
    expect(request?.headers.range).toBe("bytes=10-19");
    expect(request?.headers["want-digest"]).toBeUndefined();
  });
});

describe("igwn-auth get --checksum", () => {
  it("passes a file whose bytes have the given sha256, and fails one that has not, leaving nothing", async () => {
    const body = content(MiB + 3);
    const url = files.put("/sum/f.gwf", { body });
    const dir = tempDir("sum-");
    const good = await get(["--checksum", `sha256:${sha256(body)}`, "-d", dir, url]);
    expect(errors(good)).toMatch(/f\.gwf: 1\.0 MiB in .*, sha-256 matches --checksum/);
    expect(good.code).toBe(0);

    const out = join(dir, "g.gwf");
    const wrong = "0".repeat(64);
    const bad = await get(["--checksum", `sha256:${wrong}`, "-o", out, url]);
    expect(bad.code).toBe(1);
    expect(errors(bad)).toBe(
      `igwn-auth: sha-256 ${sha256(body)} does not match --checksum (${wrong}); the file is not kept\n`,
    );
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(["f.gwf"]);
  });

  it("with --continue, checks a file already there against --checksum instead of fetching it", async () => {
    const body = content(5000);
    const url = files.put("/sum/kept.gwf", { body });
    const dir = tempDir("kept-");
    expect((await get(["-d", dir, url])).code).toBe(0);
    const count = files.requestsFor("/sum/kept.gwf").length;
    const again = await get([
      "--continue",
      "--checksum",
      `adler32:${zlibAdler32(body)}`,
      "-d",
      dir,
      url,
    ]);
    expect(errors(again)).toMatch(/kept\.gwf: already there, adler32 matches --checksum/);
    expect(files.requestsFor("/sum/kept.gwf")).toHaveLength(count);
  });
});
