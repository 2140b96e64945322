import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/lib/errors.js";
import { getNetrcAuth, netrcPath } from "../../src/netrc/netrc.js";
import { tempDir } from "../helpers/env.js";
import { thrown } from "../helpers/errors.js";

const isRoot = process.getuid?.() === 0;
let dir: string;
let savedNetrc: string | undefined;
let savedHome: string | undefined;

beforeEach(() => {
  dir = tempDir("netrc-");
  savedNetrc = process.env.NETRC;
  savedHome = process.env.HOME;
});

afterEach(() => {
  for (const [name, value] of [
    ["NETRC", savedNetrc],
    ["HOME", savedHome],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Write a netrc file (mode 0600 unless told) and point $NETRC at it. */
function useNetrc(text: string, mode = 0o600, name = "netrc"): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  process.env.NETRC = path;
  return path;
}

const SAMPLE = [
  "machine datafind.example.org login albert password relativity",
  "machine [::1] login loop password back",
  "machine only-account.example account acct",
  "machine only-password.example password pw",
  "machine only-login.example login lone",
  "machine empty.example",
  "default login anonymous password guest",
  "",
].join("\n");

describe("getNetrcAuth lookup", () => {
  it("returns the login and password of the entry for the URL's host", () => {
    useNetrc(SAMPLE);
    expect(getNetrcAuth("https://datafind.example.org/api/v1/data")).toEqual([
      "albert",
      "relativity",
    ]);
  });

  it("ignores the port and the case of the host", () => {
    useNetrc(SAMPLE);
    expect(getNetrcAuth("https://DataFind.Example.org:8443/x")).toEqual(["albert", "relativity"]);
  });

  it("accepts a URL object and a bare host with or without a port", () => {
    useNetrc(SAMPLE);
    const expected = ["albert", "relativity"];
    expect(getNetrcAuth(new URL("http://datafind.example.org/"))).toEqual(expected);
    expect(getNetrcAuth("datafind.example.org")).toEqual(expected);
    expect(getNetrcAuth("datafind.example.org:443")).toEqual(expected);
  });

  it("matches an IPv6 host without its brackets", () => {
    useNetrc(SAMPLE);
    expect(getNetrcAuth("https://[::1]:8443/")).toEqual(["loop", "back"]);
    expect(getNetrcAuth("https://[0:0::1]/")).toEqual(["loop", "back"]);
  });

  it("matches URL objects as strings: case, IPv6 and international names", () => {
    useNetrc(`${SAMPLE}machine Bücher.example login buch password seite\n`);
    expect(getNetrcAuth(new URL("https://DataFind.Example.org:8443/"))).toEqual([
      "albert",
      "relativity",
    ]);
    expect(getNetrcAuth(new URL("https://[0:0::1]:8443/"))).toEqual(["loop", "back"]);
    expect(getNetrcAuth(new URL("https://bücher.example/"))).toEqual(["buch", "seite"]);
    expect(getNetrcAuth("https://bücher.example/")).toEqual(["buch", "seite"]);
  });

  it("falls back to the default entry for an unknown host", () => {
    useNetrc(SAMPLE);
    expect(getNetrcAuth("https://elsewhere.example/")).toEqual(["anonymous", "guest"]);
  });

  it("returns null for an unknown host when there is no default entry", () => {
    useNetrc("machine datafind.example.org login albert password relativity\n");
    expect(getNetrcAuth("https://elsewhere.example/")).toBeNull();
  });

  it("answers as Python's requests does for partial entries", () => {
    useNetrc(SAMPLE);
    expect(getNetrcAuth("https://only-account.example/")).toEqual(["acct", ""]);
    expect(getNetrcAuth("https://only-password.example/")).toEqual(["", "pw"]);
    expect(getNetrcAuth("https://only-login.example/")).toEqual(["lone", ""]);
    // An empty entry for the host hides the default rather than falling back to it.
    expect(getNetrcAuth("https://empty.example/")).toBeNull();
  });

  it("returns null for something that is not a URL or host", () => {
    useNetrc(SAMPLE);
    expect(getNetrcAuth("https://exa mple.org/")).toBeNull();
    expect(getNetrcAuth("file:///etc/passwd")).toBeNull();
  });
});

describe("netrcPath and the file it names", () => {
  it("uses $NETRC when set", () => {
    process.env.NETRC = "/somewhere/netrc";
    expect(netrcPath()).toBe("/somewhere/netrc");
  });

  it("uses ~/.netrc from $HOME when $NETRC is unset", () => {
    const home = join(dir, "home");
    mkdirSync(home);
    process.env.HOME = home;
    delete process.env.NETRC;
    expect(netrcPath()).toBe(join(home, ".netrc"));
    writeFileSync(join(home, ".netrc"), "machine h login u password p\n", { mode: 0o600 });
    expect(getNetrcAuth("https://h/")).toEqual(["u", "p"]);
  });

  it("prefers $NETRC over ~/.netrc", () => {
    const home = join(dir, "home");
    mkdirSync(home);
    process.env.HOME = home;
    writeFileSync(join(home, ".netrc"), "machine h login home password p\n", { mode: 0o600 });
    useNetrc("machine h login env password p\n");
    expect(getNetrcAuth("https://h/")).toEqual(["env", "p"]);
  });

  it("expands a leading ~ in $NETRC", () => {
    process.env.HOME = dir;
    process.env.NETRC = "~/my-netrc";
    expect(netrcPath()).toBe(join(dir, "my-netrc"));
  });

  it("returns null for a missing file, even with raiseErrors", () => {
    process.env.NETRC = join(dir, "does-not-exist");
    expect(getNetrcAuth("https://h/")).toBeNull();
    expect(getNetrcAuth("https://h/", { raiseErrors: true })).toBeNull();
    process.env.NETRC = join(dir, "no-such-dir", "netrc");
    expect(getNetrcAuth("https://h/", { raiseErrors: true })).toBeNull();
  });

  it("treats a directory at $NETRC as unusable", () => {
    const path = join(dir, "a-directory");
    mkdirSync(path, { mode: 0o700 });
    process.env.NETRC = path;
    expect(getNetrcAuth("https://h/")).toBeNull();
    const err = thrown(() => getNetrcAuth("https://h/", { raiseErrors: true }));
    expect(err.code).toBe(ErrorCode.FILE_READ);
    expect(err.message).toContain(path);
  });

  it("reports a syntax error only with raiseErrors, naming the file and line and no password", () => {
    const path = useNetrc("machine h login u password two words\n");
    expect(getNetrcAuth("https://h/")).toBeNull();
    const err = thrown(() => getNetrcAuth("https://h/", { raiseErrors: true }));
    expect(err.code).toBe(ErrorCode.INVALID_NETRC);
    expect(err.message).toContain(path);
    expect(err.message).toContain("line 1");
    expect(err.message).not.toContain("words");
  });
});

describe("getNetrcAuth refuses unsafe files", () => {
  it("uses a file with mode 0600", () => {
    useNetrc("machine h login u password p\n", 0o600);
    expect(getNetrcAuth("https://h/", { raiseErrors: true })).toEqual(["u", "p"]);
  });

  it("refuses a world-readable file (0644)", () => {
    const path = useNetrc("machine h login u password hunter2\n", 0o644);
    expect(getNetrcAuth("https://h/")).toBeNull();
    const err = thrown(() => getNetrcAuth("https://h/", { raiseErrors: true }));
    expect(err.code).toBe(ErrorCode.INSECURE_PERMISSIONS);
    expect(err.message).toContain("too permissive");
    expect(err.message).toContain(path);
    expect(err.message).not.toContain("hunter2");
  });

  it("refuses a group-readable file (0640) and a group-writable one (0620)", () => {
    for (const mode of [0o640, 0o620]) {
      useNetrc("machine h login u password p\n", mode, `netrc-${mode.toString(8)}`);
      expect(getNetrcAuth("https://h/")).toBeNull();
      const err = thrown(() => getNetrcAuth("https://h/", { raiseErrors: true }));
      expect(err.code).toBe(ErrorCode.INSECURE_PERMISSIONS);
      expect(err.message).toContain("too permissive");
    }
  });

  it("refuses an unsafe file even when it is also invalid", () => {
    useNetrc("this is not netrc\n", 0o644);
    const err = thrown(() => getNetrcAuth("https://h/", { raiseErrors: true }));
    expect(err.code).toBe(ErrorCode.INSECURE_PERMISSIONS);
  });

  it.skipIf(!isRoot)("refuses a file owned by another user", () => {
    const path = useNetrc("machine h login u password p\n", 0o600);
    chownSync(path, 12345, 12345);
    expect(getNetrcAuth("https://h/")).toBeNull();
    const err = thrown(() => getNetrcAuth("https://h/", { raiseErrors: true }));
    expect(err.code).toBe(ErrorCode.INSECURE_PERMISSIONS);
    expect(err.message).toContain("too permissive");
    expect(err.message).toContain("uid 12345");
    expect(err.message).toContain(path);
  });
});
