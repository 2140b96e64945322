import { describe, expect, it } from "vitest";
import { ScitokenStrategy } from "../../src/index.js";
import { requestAudience, targetAudience } from "../../src/scitokens/audience.js";
import { defaultBearerTokenFile } from "../../src/scitokens/bearer-token-file.js";
import { tokenAuthorizationHeader } from "../../src/scitokens/header.js";
import { SciToken } from "../../src/scitokens/token.js";

describe("targetAudience", () => {
  // The Python test_target_audience table, with and without ANY.
  const table: Array<[string, string]> = [
    ["https://example.com/data", "https://example.com"],
    ["example.com", "https://example.com"],
    ["https://example.com:443/data/test", "https://example.com"],
    ["http://example.com:443/data/test", "http://example.com"],
  ];

  it.each(table)("gives %s the audience %s plus ANY", (url, aud) => {
    expect(targetAudience(url)).toEqual([aud, "ANY"]);
    expect(targetAudience(url, true)).toEqual([aud, "ANY"]);
  });

  it.each(table)("gives %s only %s without ANY", (url, aud) => {
    expect(targetAudience(url, false)).toEqual([aud]);
  });

  it.each([
    ["example.com:8443", "https://example.com"],
    ["example.com:8443/path//with//slashes", "https://example.com"],
    ["//example.com/data", "https://example.com"],
    ["HTTPS://Example.COM/Data", "https://example.com"],
    ["https://user:secret@example.com/x", "https://example.com"],
    ["https://[::1]:8443/data", "https://[::1]"],
    ["[2001:db8::1]", "https://[2001:db8::1]"],
    ["127.0.0.1:8080", "https://127.0.0.1"],
    ["gsiftp://gridftp.example.org:2811/path", "gsiftp://gridftp.example.org"],
  ])("gives %s the audience %s", (url, aud) => {
    expect(targetAudience(url, false)).toEqual([aud]);
  });

  it("refuses something that is not a URL or host, without echoing a password", () => {
    expect(() => targetAudience("https://user:secret@/nohost")).toThrow(TypeError);
    expect(() => targetAudience("https://user:secret@/nohost")).not.toThrow(/secret/);
    expect(() => targetAudience("")).toThrow("cannot derive a token audience");
  });
});

describe("requestAudience (a session's default audience)", () => {
  it.each([
    ["https://example.com/data", ["https://example.com"]],
    ["https://example.com:443/data", ["https://example.com"]],
    ["http://example.com:80/data", ["http://example.com"]],
    ["https://example.com:8443/data", ["https://example.com", "https://example.com:8443"]],
    ["http://example.com:443/data", ["http://example.com", "http://example.com:443"]],
    ["example.com:1094", ["https://example.com", "https://example.com:1094"]],
    ["https://[::1]:8443/x", ["https://[::1]", "https://[::1]:8443"]],
    ["https://user:secret@Example.COM:8443/x", ["https://example.com", "https://example.com:8443"]],
    [
      "gsiftp://gridftp.example.org:2811/p",
      ["gsiftp://gridftp.example.org", "gsiftp://gridftp.example.org:2811"],
    ],
  ])("gives %s the audience %j", (url, aud) => {
    expect(requestAudience(url)).toEqual(aud);
    if (url.includes("://")) expect(requestAudience(new URL(url))).toEqual(aud);
  });

  it("leaves targetAudience as in Python: the port is dropped", () => {
    expect(targetAudience("https://example.com:8443/data", false)).toEqual(["https://example.com"]);
  });

  it("is what ScitokenStrategy.audienceFor gives without a configured audience", () => {
    const strategy = new ScitokenStrategy();
    expect(strategy.audienceFor("https://xrootd.example.org:1094/frames")).toEqual([
      "https://xrootd.example.org",
      "https://xrootd.example.org:1094",
    ]);
    expect(strategy.audienceFor(new URL("https://datafind.example.org/api"))).toEqual([
      "https://datafind.example.org",
    ]);
    expect(new ScitokenStrategy({ audience: "aud" }).audienceFor("https://x:1/")).toEqual(["aud"]);
  });
});

describe("tokenAuthorizationHeader", () => {
  const token = new SciToken("aaa.bbb.ccc", { alg: "RS256" }, { iss: "local" });

  it("formats a bearer header from a token or its serialisation", () => {
    expect(tokenAuthorizationHeader(token)).toBe("Bearer aaa.bbb.ccc");
    expect(tokenAuthorizationHeader("aaa.bbb.ccc\n")).toBe("Bearer aaa.bbb.ccc");
  });

  it("takes another scheme", () => {
    expect(tokenAuthorizationHeader(token, "Token")).toBe("Token aaa.bbb.ccc");
  });
});

describe("defaultBearerTokenFile (Python test_default_bearer_token_file)", () => {
  const uid = process.getuid?.() ?? 0;

  it("uses $BEARER_TOKEN_FILE first", () => {
    process.env.BEARER_TOKEN_FILE = "anything";
    try {
      expect(defaultBearerTokenFile()).toBe("anything");
    } finally {
      delete process.env.BEARER_TOKEN_FILE;
    }
  });

  it("uses $XDG_RUNTIME_DIR/bt_u<uid>, whether or not the folder exists", () => {
    const saved = process.env.XDG_RUNTIME_DIR;
    process.env.XDG_RUNTIME_DIR = "/xdgrun";
    try {
      expect(defaultBearerTokenFile()).toBe(`/xdgrun/bt_u${uid}`);
    } finally {
      process.env.XDG_RUNTIME_DIR = saved;
    }
  });

  it.each([undefined, ""])("falls back to /tmp/bt_u<uid> when XDG_RUNTIME_DIR is %j", (value) => {
    const saved = process.env.XDG_RUNTIME_DIR;
    if (value === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = value;
    try {
      expect(defaultBearerTokenFile()).toBe(`/tmp/bt_u${uid}`);
    } finally {
      process.env.XDG_RUNTIME_DIR = saved;
    }
  });
});
