// `igwn-auth get` with many URLs: -d DIR, --from-file, -j N on one session, a line per
// file and a summary on stderr, exit 1 when one fails (the others kept), and the names
// taken from URLs that can never leave DIR.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/env.js";
import { content, type FileServer, sha256 } from "./file-server.js";
import { type CliWorld, errors, runCli, useDownloadWorld } from "./world.js";

let world: CliWorld;
let files: FileServer;

useDownloadWorld((w, f) => {
  world = w;
  files = f;
});

function sha256Of(path: string): string {
  return sha256(readFileSync(path));
}

describe("igwn-auth get URL... -d DIR", () => {
  it("saves 20 files with -j 4: byte-exact, four at a time on reused connections, a line each and a summary", async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => content(256 * 1024 + i * 4097));
    const urls = bodies.map((body, i) => files.put(`/many/H-H1_TEST-${1000 + i}-1.gwf`, { body }));
    const dir = join(tempDir("many-"), "frames"); // made by the command
    files.holdUntilInFlight(4); // the first answers wait until four requests are in flight
    const result = await runCli(["get", "-j", "4", "-d", dir, ...urls], { env: world.env });
    expect(errors(result)).not.toMatch(/failed/);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    for (const [i, body] of bodies.entries()) {
      expect(sha256Of(join(dir, `H-H1_TEST-${1000 + i}-1.gwf`))).toBe(sha256(body));
    }
    expect(readdirSync(dir).filter((n) => n.includes(".part"))).toEqual([]);
    expect(files.maxInFlight).toBe(4);
    expect(files.connections).toBeLessThanOrEqual(4);
    const lines = errors(result).trim().split("\n");
    expect(lines.filter((l) => /^igwn-auth: H-H1_TEST-\d+-1\.gwf: /.test(l))).toHaveLength(20);
    expect(lines.at(-1)).toMatch(/^igwn-auth: 20 files, [\d.]+ MiB in .*\/s\)$/);
  });

  it("reads the URLs from --from-file - (stdin), skipping blank lines and # comments", async () => {
    const bodies = [content(1000), content(2000), content(3000)];
    const urls = bodies.map((body, i) => files.put(`/list/file-${i}.txt`, { body }));
    const dir = tempDir("list-");
    const list = `# from gw_data_find\n\n${urls[0]}\n  ${urls[1]}  \n# the last\n${urls[2]}\n`;
    const result = await runCli(["get", "--from-file", "-", "-d", dir], {
      env: world.env,
      input: list,
    });
    expect(errors(result)).toMatch(/3 files/);
    expect(result.code).toBe(0);
    for (const [i, body] of bodies.entries()) {
      expect(readFileSync(join(dir, `file-${i}.txt`)).equals(body)).toBe(true);
    }
  });

  it("on a 401 for one URL of several: saves the others, says why for that one, exits 1", async () => {
    const good = [content(5000), content(6000)];
    const urls = [
      files.put("/mixed/a.bin", { body: good[0] as Buffer }),
      files.put("/mixed/denied.bin", {
        body: content(10),
        plan: [{ status: 401, headers: { "www-authenticate": 'Bearer realm="frames"' } }],
      }),
      files.put("/mixed/b.bin", { body: good[1] as Buffer }),
    ];
    const dir = tempDir("mixed-");
    const result = await runCli(["get", "-d", dir, ...urls], { env: world.env });
    expect(result.code).toBe(1);
    expect(readFileSync(join(dir, "a.bin")).equals(good[0] as Buffer)).toBe(true);
    expect(readFileSync(join(dir, "b.bin")).equals(good[1] as Buffer)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["a.bin", "b.bin"]);
    const text = errors(result);
    expect(text).toMatch(
      new RegExp(`^igwn-auth: denied\\.bin failed: HTTP 401 Unauthorized for ${urls[1]}`, "m"),
    );
    expect(text).toMatch(/^igwn-auth: 2 of 3 files, .*; 1 failed: denied\.bin$/m);
    // Its line goes on with the library's explanation of the 401: what was sent, what the
    // server said, what to do.
    const explained = text.split("\n");
    const at = explained.findIndex((line) => line.startsWith("igwn-auth: denied.bin failed:"));
    const explanation = explained.slice(
      at + 1,
      explained.findIndex((l, i) => i > at && l.startsWith("igwn-auth:")),
    );
    expect(explanation).toContainEqual(
      expect.stringMatching(/^ {2}sent: bearer token from \$BEARER_TOKEN_FILE /),
    );
    expect(explanation).toContain('  server: Bearer realm="frames"');
    expect(explanation).toContainEqual(expect.stringMatching(/^ {2}next: /));
    expect(text).not.toContain(world.token);
  });

  it("names each file after its URL's last path segment, percent-decoded, never the query", async () => {
    const body = content(100);
    const url = files.put("/names/H-H1%20frame%2B1.gwf", { body });
    const dir = tempDir("names-");
    const result = await runCli(["get", "-d", dir, `${url}?authz=Bearer%20secret`], {
      env: world.env,
    });
    expect(result.code).toBe(0);
    expect(readdirSync(dir)).toEqual(["H-H1 frame+1.gwf"]);
    expect(errors(result)).not.toContain("secret");
  });

  it("holds memory that does not grow with the number of files (5 vs 40, -j 4)", async () => {
    const body = content(2 * 1024 * 1024);
    const urls = Array.from({ length: 40 }, (_, i) => files.put(`/memory/m-${i}.bin`, { body }));
    const peaks: number[] = [];
    for (const count of [5, 40]) {
      const dir = tempDir("memory-");
      const result = await runCli(["get", "-j", "4", "-d", dir, ...urls.slice(0, count)], {
        env: world.env,
        sampleRss: true,
        // A small heap: what a run keeps per file must fit in it, and garbage goes early,
        // so the peaks compare what is kept rather than when the collector ran.
        nodeArgs: ["--max-semi-space-size=1", "--max-old-space-size=32"],
      });
      expect(result.code).toBe(0);
      expect(readdirSync(dir)).toHaveLength(count);
      expect(result.peakRss, "peak RSS read from /proc").toBeDefined();
      peaks.push(result.peakRss as number);
    }
    // 35 more files of 2 MiB: held in memory they would add 70 MiB.
    expect((peaks[1] as number) - (peaks[0] as number), `peaks ${peaks}`).toBeLessThan(
      24 * 1024 * 1024,
    );
  }, 30_000);

  describe("usage errors (exit 2, nothing downloaded)", () => {
    const cases: [string, (o: string) => string[], RegExp][] = [
      [
        "two URLs that would share a name",
        (o) => ["-d", "DIR", `${o}/a/x.gwf`, `${o}/b/x.gwf`],
        /\/a\/x\.gwf and .*\/b\/x\.gwf would both be saved as x\.gwf/,
      ],
      [
        "a URL whose last segment holds an encoded slash",
        (o) => ["-d", "DIR", `${o}/a/..%2F..%2Fetc%2Fpasswd`],
        /holds an encoded slash/,
      ],
      ["several URLs without -d", (o) => [`${o}/a`, `${o}/b`], /2 URLs need -d DIR/],
      [
        "--continue to stdout",
        (o) => ["--continue", `${o}/a`],
        /--continue needs -o FILE or -d DIR/,
      ],
      ["-j 0", (o) => ["-j", "0", "-d", "DIR", `${o}/a`], /expected a whole number from 1 to 64/],
      [
        "a malformed --checksum",
        (o) => ["--checksum", "adler32:xyz", "-d", "DIR", `${o}/a`],
        /expected 8 hex digits for adler32/,
      ],
    ];
    // Every rule of names and flags is in download/plan.test.ts; these check the exit code,
    // and that nothing is fetched or written.
    it.each(cases)("%s", async (_name, args, message) => {
      const dir = tempDir("usage-");
      const before = files.server.requests.length;
      const result = await runCli(
        ["get", ...args(files.origin).map((a) => (a === "DIR" ? dir : a))],
        { env: world.env },
      );
      expect(result.stderr).toMatch(message);
      expect(result.code).toBe(2);
      expect(files.server.requests.length).toBe(before);
      expect(readdirSync(dir)).toEqual([]);
    });

    it("names the line of a list that holds something other than a URL", async () => {
      const list = join(tempDir("badlist-"), "list.txt");
      const { writeFileSync } = await import("node:fs");
      writeFileSync(list, `# ok\n${files.origin}/a\nfile:///etc/passwd\n`);
      const result = await runCli(["get", "--from-file", list, "-d", tempDir("x-")], {
        env: world.env,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/list\.txt line 3: expected an http or https URL, not file:/);
    });

    it("says so when the list holds no URL", async () => {
      const result = await runCli(["get", "--from-file", "-", "-d", tempDir("x-")], {
        env: world.env,
        input: "# nothing today\n\n",
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/the URL list holds no URL/);
      expect(existsSync(join(world.dir, "nothing"))).toBe(false);
    });
  });
});
