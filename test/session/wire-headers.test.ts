import { once } from "node:events";
import { createSecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, Session } from "../../src/index.js";
import { canonicalHeaderName } from "../../src/session/wire-headers.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";
import { testPki } from "../helpers/pki.js";

const TOKEN = "header.payload.wire-token-signature";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** The header names of the last request, exactly as they came on the wire. */
function wireNames(): string[] {
  const raw = server.requests.at(-1)?.rawHeaders ?? [];
  return raw.filter((_value, index) => index % 2 === 0);
}

function session(): Session {
  return new Session({ token: TOKEN, cert: false, ...trustTestCa() });
}

describe("header names on the wire (HTTP/1.1)", () => {
  it("sends Authorization, User-Agent and Accept-Encoding in their canonical form", async () => {
    await session().get(`${server.origin}/data`);
    const names = wireNames();
    expect(names).toEqual(
      expect.arrayContaining(["Authorization", "User-Agent", "Accept-Encoding", "Host"]),
    );
    expect(names.filter((name) => name !== name.replace(/^[a-z]/, (c) => c.toUpperCase()))).toEqual(
      [],
    );
    expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("sends Content-Length and Content-Type with a string and a Buffer body", async () => {
    await session().put(`${server.origin}/file`, { body: "twelve bytes" });
    expect(wireNames()).toContain("Content-Length");
    expect(server.requests.at(-1)?.body).toBe("twelve bytes");

    await session().post(`${server.origin}/json`, { json: { a: 1 } });
    expect(wireNames()).toEqual(expect.arrayContaining(["Content-Length", "Content-Type"]));

    await session().put(`${server.origin}/buffer`, { body: Buffer.from([1, 2, 3]) });
    expect(wireNames()).toContain("Content-Length");
  });

  it("sends Transfer-Encoding for a stream body", async () => {
    await session().put(`${server.origin}/stream`, { body: Readable.from(["a", "b"]) });
    expect(wireNames()).toContain("Transfer-Encoding");
    expect(server.requests.at(-1)?.body).toBe("ab");
  });

  it("sends headers the caller gives in lower case as Range, If-Range, Want-Digest", async () => {
    await session().get(`${server.origin}/range`, {
      headers: { range: "bytes=0-3", "if-range": '"etag"', "want-digest": "adler32", te: "x" },
    });
    expect(wireNames()).toEqual(expect.arrayContaining(["Range", "If-Range", "Want-Digest", "TE"]));
  });

  it("does it for module-level requests and for session.got and its extensions", async () => {
    await get(`${server.origin}/module`, { token: TOKEN, cert: false, ...trustTestCa() });
    expect(wireNames()).toContain("Authorization");
    const s = session();
    await s.got(`${server.origin}/got`);
    expect(wireNames()).toContain("Authorization");
    await s.extend({ headers: { "x-extra": "1" } })(`${server.origin}/extended`);
    expect(wireNames()).toEqual(expect.arrayContaining(["Authorization", "X-Extra"]));
  });

  it("names every header once, whatever case the caller used", async () => {
    await session().get(`${server.origin}/dup`, { headers: { RANGE: "bytes=1-2" } });
    expect(wireNames().filter((name) => name.toLowerCase() === "range")).toEqual(["Range"]);
  });
});

describe("canonicalHeaderName", () => {
  it.each([
    ["authorization", "Authorization"],
    ["content-length", "Content-Length"],
    ["CONTENT-TYPE", "Content-Type"],
    ["www-authenticate", "WWW-Authenticate"],
    ["etag", "ETag"],
    ["content-md5", "Content-MD5"],
    ["x-xrootd-something", "X-Xrootd-Something"],
    ["dnt", "DNT"],
  ])("%s → %s", (name, canonical) => {
    expect(canonicalHeaderName(name)).toBe(canonical);
  });
});

describe("HTTP/2", () => {
  it("still works with http2: true, with the lower-case names HTTP/2 requires", async () => {
    const { ca, server: cert } = testPki();
    const seen: string[][] = [];
    const h2 = createSecureServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
      seen.push(req.rawHeaders);
      res.end(`h${req.httpVersion}`);
    });
    h2.listen(0, "127.0.0.1");
    await once(h2, "listening");
    try {
      const { port } = h2.address() as AddressInfo;
      const res = await new Session({
        token: TOKEN,
        cert: false,
        http2: true,
        https: { certificateAuthority: ca.certPem },
      }).get(`https://127.0.0.1:${port}/h2`);
      expect(res.body).toBe("h2.0");
      const names = (seen[0] ?? []).filter((_v, index) => index % 2 === 0);
      expect(names).toContain("authorization");
      expect(names.every((name) => name === name.toLowerCase())).toBe(true);
    } finally {
      h2.close();
    }
  });
});
