import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, IgwnAuthError } from "../../src/lib/errors.js";
import { defaultBearerTokenFile } from "../../src/scitokens/bearer-token-file.js";
import { getScitoken } from "../../src/scitokens/htgettoken.js";
import { type FakeCommands, fakeCommands } from "./fake-command.js";

// A fake htgettoken that writes a token-shaped line to its --outfile.
const WRITES_TOKEN = `
out=""; prev=""
for a in "$@"; do
  if [ "$prev" = "--outfile" ]; then out="$a"; fi
  prev="$a"
done
printf 'header.payload.signature\\n' > "$out"
`;

let bin: FakeCommands;

beforeEach(() => {
  bin = fakeCommands();
});

afterEach(() => {
  bin.restore();
});

describe("getScitoken", () => {
  it("runs htgettoken with the default outfile, minsecs, --quiet and --nooidc off a terminal", async () => {
    bin.add("htgettoken", WRITES_TOKEN);
    const path = await getScitoken();
    const btf = defaultBearerTokenFile();
    expect(path).toBe(btf);
    expect(bin.argsOf("htgettoken")).toEqual([
      "--outfile",
      btf,
      "--minsecs",
      "60",
      "--quiet",
      "--nooidc",
    ]);
    expect(readFileSync(path, "utf8")).toBe("header.payload.signature\n");
  });

  it("passes minsecs and leaves out --quiet when quiet is false (Python test_get_token)", async () => {
    bin.add("htgettoken", WRITES_TOKEN);
    const btf = defaultBearerTokenFile();
    expect(await getScitoken([], { minsecs: 600, quiet: false })).toBe(btf);
    expect(bin.argsOf("htgettoken")).toEqual(["--outfile", btf, "--minsecs", "600", "--nooidc"]);
  });

  it("puts positional arguments first and formats extra options as the Python keywords", async () => {
    bin.add("htgettoken", WRITES_TOKEN);
    const outfile = join(process.env.IGWN_TEST_ROOT ?? "/tmp", "custom-token");
    const path = await getScitoken(["-a", "vault.example.org"], {
      outfile,
      verbose: true,
      options: {
        issuer: "igwn",
        nokerberos: true,
        role: undefined,
        debug: false,
        vaulttokenttl: 3600,
      },
    });
    expect(path).toBe(outfile);
    expect(bin.argsOf("htgettoken")).toEqual([
      "-a",
      "vault.example.org",
      "--outfile",
      outfile,
      "--minsecs",
      "60",
      "--quiet",
      "--verbose",
      "--issuer",
      "igwn",
      "--nokerberos",
      "--vaulttokenttl",
      "3600",
      "--nooidc",
    ]);
    expect(existsSync(outfile)).toBe(true);
  });

  it("lets htgettoken prompt when interactive, and keeps --nooidc off when told", async () => {
    bin.add("htgettoken", WRITES_TOKEN);
    await getScitoken([], { interactive: true });
    expect(bin.argsOf("htgettoken")).not.toContain("--nooidc");
    await getScitoken([], { interactive: false, options: { nooidc: false } });
    expect(bin.argsOf("htgettoken")).not.toContain("--nooidc");
  });

  it("rejects with htgettoken's own message when it fails", async () => {
    bin.add(
      "htgettoken",
      `echo "Usage: htgettoken [options]" >&2\necho "htgettoken: error: no such option: --badkwarg" >&2\nexit 2`,
    );
    const err = await getScitoken([], { options: { badkwarg: 0 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IgwnAuthError);
    expect(err).toMatchObject({ code: ErrorCode.COMMAND_FAILED });
    expect((err as Error).message).toContain("htgettoken failed (exit status 2)");
    expect((err as Error).message).toContain("no such option: --badkwarg");
  });

  it("never repeats a token that htgettoken printed", async () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGJlcnQifQ.c2lnbmF0dXJl";
    bin.add("htgettoken", `echo "got ${jwt} but could not store it" >&2\nexit 1`);
    const err = (await getScitoken().catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("[redacted token]");
    expect(err.message).not.toContain(jwt);
  });

  it("says when htgettoken is not installed", async () => {
    const err = await getScitoken([], { command: join(bin.dir, "no-such-htgettoken") }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: ErrorCode.COMMAND_FAILED });
    expect((err as Error).message).toMatch(
      /no-such-htgettoken was not found on PATH \(install htgettoken/,
    );
  });

  it("stops a htgettoken that runs past the timeout", async () => {
    bin.add("htgettoken", "exec sleep 30");
    const started = Date.now();
    const err = await getScitoken([], { timeout: 200 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.COMMAND_FAILED });
    expect((err as Error).message).toContain("did not finish within 200 ms");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("rejects when htgettoken succeeds without writing the token file", async () => {
    bin.add("htgettoken", "exit 0");
    const outfile = join(process.env.IGWN_TEST_ROOT ?? "/tmp", "never-written");
    const err = await getScitoken([], { outfile }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.COMMAND_FAILED });
    expect((err as Error).message).toContain("did not write");
  });
});
