import { chmodSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, IgwnAuthError } from "../../src/lib/errors.js";
import { netrcFileReads } from "../../src/netrc/load.js";
import { getNetrcAuth } from "../../src/netrc/netrc.js";
import { tempDir } from "../helpers/env.js";

let dir: string;
let path: string;
let savedNetrc: string | undefined;

beforeEach(() => {
  dir = tempDir("netrc-cache-");
  path = join(dir, "netrc");
  savedNetrc = process.env.NETRC;
  process.env.NETRC = path;
});

afterEach(() => {
  if (savedNetrc === undefined) delete process.env.NETRC;
  else process.env.NETRC = savedNetrc;
});

/** Rewrite the file in place and move its mtime on by a second so the change is visible. */
function rewrite(text: string): void {
  const before = statSync(path);
  writeFileSync(path, text);
  const later = new Date(before.mtimeMs + 1000);
  utimesSync(path, later, later);
}

describe("getNetrcAuth caching", () => {
  it("reads an unchanged file once however many lookups are made", () => {
    writeFileSync(path, "machine a login u password p\nmachine b login v password q\n", {
      mode: 0o600,
    });
    const reads = netrcFileReads();
    for (let i = 0; i < 50; i += 1) {
      expect(getNetrcAuth("https://a/")).toEqual(["u", "p"]);
      expect(getNetrcAuth("https://b:8443/")).toEqual(["v", "q"]);
    }
    expect(netrcFileReads() - reads).toBe(1);
  });

  it("picks up a rewrite of the same size", () => {
    writeFileSync(path, "machine a login u password one\n", { mode: 0o600 });
    expect(getNetrcAuth("https://a/")).toEqual(["u", "one"]);
    rewrite("machine a login u password two\n");
    expect(getNetrcAuth("https://a/")).toEqual(["u", "two"]);
  });

  it("picks up a file replaced by rename", () => {
    writeFileSync(path, "machine a login old password p\n", { mode: 0o600 });
    expect(getNetrcAuth("https://a/")).toEqual(["old", "p"]);
    const next = join(dir, "netrc.new");
    writeFileSync(next, "machine a login new password p\n", { mode: 0o600 });
    renameSync(next, path);
    expect(getNetrcAuth("https://a/")).toEqual(["new", "p"]);
  });

  it("refuses a cached file as soon as its permissions become unsafe", () => {
    writeFileSync(path, "machine a login u password p\n", { mode: 0o600 });
    expect(getNetrcAuth("https://a/")).toEqual(["u", "p"]);
    chmodSync(path, 0o644);
    expect(getNetrcAuth("https://a/")).toBeNull();
    chmodSync(path, 0o600);
    expect(getNetrcAuth("https://a/")).toEqual(["u", "p"]);
  });

  it("forgets a file that was removed", () => {
    writeFileSync(path, "machine a login u password p\n", { mode: 0o600 });
    expect(getNetrcAuth("https://a/")).toEqual(["u", "p"]);
    renameSync(path, join(dir, "moved-away"));
    expect(getNetrcAuth("https://a/", { raiseErrors: true })).toBeNull();
  });

  it("does not re-read an unchanged invalid file, and still reports its error each time", () => {
    writeFileSync(path, "machine a login u password p extra\n", { mode: 0o600 });
    const reads = netrcFileReads();
    for (let i = 0; i < 3; i += 1) {
      expect(getNetrcAuth("https://a/")).toBeNull();
      let error: unknown;
      try {
        getNetrcAuth("https://a/", { raiseErrors: true });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(IgwnAuthError);
      expect((error as IgwnAuthError).code).toBe(ErrorCode.INVALID_NETRC);
    }
    expect(netrcFileReads() - reads).toBe(1);
    rewrite("machine a login u password p\n");
    expect(getNetrcAuth("https://a/")).toEqual(["u", "p"]);
  });

  it("follows $NETRC when it points somewhere else", () => {
    writeFileSync(path, "machine a login first password p\n", { mode: 0o600 });
    const other = join(dir, "other");
    writeFileSync(other, "machine a login second password p\n", { mode: 0o600 });
    expect(getNetrcAuth("https://a/")).toEqual(["first", "p"]);
    process.env.NETRC = other;
    expect(getNetrcAuth("https://a/")).toEqual(["second", "p"]);
    process.env.NETRC = path;
    expect(getNetrcAuth("https://a/")).toEqual(["first", "p"]);
  });
});
