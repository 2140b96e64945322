import { lookup } from "node:dns";
import { renameSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { IgwnAuthError, ScitokenStrategy, Session } from "../../src/index.js";
import { ScitokenDiscovery } from "../../src/scitokens/discovery-cache.js";
import { restoreEnv, setEnv, tempDir, writeFile } from "../helpers/env.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";
import { startIssuer, type TestIssuer } from "../helpers/issuer.js";

let issuer: TestIssuer;
let server: TestServer;
let http: TestServer;
beforeAll(async () => {
  issuer = await startIssuer();
  server = await startServer();
  http = await startServer({ protocol: "http" });
});
afterAll(async () => {
  await Promise.all([issuer.close(), server.close(), http.close()]);
});
afterEach(() => {
  restoreEnv();
  server.requests.length = 0;
  http.requests.length = 0;
});

function session(options: ConstructorParameters<typeof Session>[0] = {}): Session {
  return new Session({
    cert: false,
    tokenVerification: { ca: issuer.ca },
    ...trustTestCa(),
    ...options,
  });
}

/** Write a token file atomically (as htgettoken and HTCondor do) and point $BEARER_TOKEN_FILE at it. */
async function tokenFile(
  claims: Record<string, unknown> = {},
  dir = tempDir(),
): Promise<{ path: string; token: string }> {
  const token = await issuer.mint(claims);
  const path = `${dir}/bt`;
  writeFile(`${path}.tmp`, `${token}\n`);
  renameSync(`${path}.tmp`, path);
  setEnv({ BEARER_TOKEN_FILE: path });
  return { path, token };
}

const bearer = (token: string) => `Bearer ${token}`;

describe("Session token discovery", () => {
  it("discovers a token from $BEARER_TOKEN_FILE and sends it", async () => {
    // The audience of a URL drops the port (SciTokens convention).
    const { token } = await tokenFile({ aud: "https://127.0.0.1" });
    await session().get(`${server.origin}/data`);
    expect(server.requests[0]?.headers.authorization).toBe(bearer(token));
  });

  it("sends a renewed token after the file is replaced on disk, with no new Session", async () => {
    const first = await tokenFile({ sub: "first" });
    const s = session();
    await s.get(`${server.origin}/one`);
    const dir = first.path.slice(0, first.path.lastIndexOf("/"));
    const second = await tokenFile({ sub: "second" }, dir);
    await s.get(`${server.origin}/two`);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      bearer(first.token),
      bearer(second.token),
    ]);
  });

  it("sends nothing for a token whose audience is another service", async () => {
    await tokenFile({ aud: "https://other.example.org" });
    await session().get(`${server.origin}/data`);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("requires the session's scope and issuer", async () => {
    const { token } = await tokenFile({ scope: "read:/frames" });
    await session({ tokenScope: "read:/frames/O4" }).get(`${server.origin}/ok`);
    await session({ tokenScope: "write:/frames" }).get(`${server.origin}/no-scope`);
    await session({ tokenIssuer: "https://elsewhere.example.org" }).get(`${server.origin}/no-iss`);
    await session({ tokenIssuer: ["https://elsewhere.example.org", issuer.url] }).get(
      `${server.origin}/iss`,
    );
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      bearer(token),
      undefined,
      undefined,
      bearer(token),
    ]);
  });

  it("uses per-request audience and scope overrides", async () => {
    const { token } = await tokenFile({ aud: "https://service.example.org", scope: "read:/x" });
    const s = session();
    await s.get(`${server.origin}/default`);
    await s.get(`${server.origin}/aud`, { tokenAudience: "https://service.example.org" });
    await s.get(`${server.origin}/scope`, {
      tokenAudience: "https://service.example.org",
      tokenScope: "write:/x",
    });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      undefined,
      bearer(token),
      undefined,
    ]);
  });

  it("rejects with IgwnAuthError under token: true when the only token is expired", async () => {
    await tokenFile({ exp: Math.floor(Date.now() / 1000) - 10 });
    await expect(session({ token: true }).get(`${server.origin}/x`)).rejects.toBeInstanceOf(
      IgwnAuthError,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("shares one discovery among concurrent requests, and re-reads nothing while unchanged", async () => {
    const { token } = await tokenFile();
    const discovery = new ScitokenDiscovery({ ca: issuer.ca });
    const s = session({ auth: new ScitokenStrategy({ discovery }) });
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.get(`${server.origin}/c${i}`)));
    expect(server.requests).toHaveLength(50);
    expect(new Set(server.requests.map((r) => r.headers.authorization))).toEqual(
      new Set([bearer(token)]),
    );
    expect(discovery.stats.loads).toBe(1);
    await s.get(`${server.origin}/later`);
    expect(discovery.stats.loads).toBe(1);
  });

  it("counts a discoverable token for failIfNoauth at construction", async () => {
    expect(() => session({ failIfNoauth: true })).toThrow(IgwnAuthError);
    await tokenFile();
    expect(() => session({ failIfNoauth: true })).not.toThrow();
  });

  it("fails a failIfNoauth request when the discoverable token does not fit it", async () => {
    await tokenFile({ aud: "https://other.example.org" });
    const s = session({ failIfNoauth: true });
    await expect(s.get(`${server.origin}/x`)).rejects.toThrow(
      "no valid authorisation credentials found",
    );
  });
});

describe("plain HTTP", () => {
  // A name that is not loopback, resolved to loopback only for this test.
  const remote = (port: number) => `http://data.example.org:${port}`;
  const dnsLookup = ((hostname: string, options: object, callback: (...args: unknown[]) => void) =>
    hostname === "data.example.org"
      ? callback(
          null,
          options && (options as { all?: boolean }).all
            ? [{ address: "127.0.0.1", family: 4 }]
            : "127.0.0.1",
          4,
        )
      : lookup(hostname, options as never, callback as never)) as never;

  it("does not send a discovered token over http to a host that is not loopback", async () => {
    await tokenFile();
    await session({ dnsLookup }).get(`${remote(http.port)}/x`);
    expect(http.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("sends a discovered token over http to loopback", async () => {
    const { token } = await tokenFile();
    await session().get(`${http.origin}/x`);
    expect(http.requests[0]?.headers.authorization).toBe(bearer(token));
  });

  it("sends it over http to a remote host with allowInsecureTransport", async () => {
    const { token } = await tokenFile();
    await session({ dnsLookup, allowInsecureTransport: true }).get(`${remote(http.port)}/x`);
    expect(http.requests[0]?.headers.authorization).toBe(bearer(token));
  });

  it("sends an explicit token over http with a one-time warning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    try {
      const s = new Session({ token: "explicit.token.value", cert: false, dnsLookup });
      await s.get(`${remote(http.port)}/a`);
      await s.get(`${remote(http.port)}/b`);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(http.requests.map((r) => r.headers.authorization)).toEqual([
      "Bearer explicit.token.value",
      "Bearer explicit.token.value",
    ]);
    expect(warnings.filter((w) => w.includes("plain HTTP"))).toHaveLength(1);
    expect(warnings.join("\n")).not.toContain("explicit.token.value");
  });

  it("rejects token: true over http to a remote host", async () => {
    await tokenFile();
    await expect(
      session({ token: true, dnsLookup }).get(`${remote(http.port)}/x`),
    ).rejects.toBeInstanceOf(IgwnAuthError);
  });
});
