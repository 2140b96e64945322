// A session's default audience for a request URL with a non-default port names the port
// too: XRootD deployments configure `https://host:port` as their audience.
import { renameSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ScitokenStrategy, Session } from "../../src/index.js";
import { ScitokenDiscovery } from "../../src/scitokens/discovery-cache.js";
import { restoreEnv, setEnv, tempDir, writeFile } from "../helpers/env.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";
import { startIssuer, type TestIssuer } from "../helpers/issuer.js";

let issuer: TestIssuer;
let one: TestServer;
let two: TestServer;
beforeAll(async () => {
  issuer = await startIssuer();
  [one, two] = await Promise.all([startServer(), startServer()]);
});
afterAll(async () => {
  await Promise.all([issuer.close(), one.close(), two.close()]);
});
afterEach(() => {
  restoreEnv();
  one.requests.length = 0;
  two.requests.length = 0;
});

function session(): Session {
  return new Session({ cert: false, tokenVerification: { ca: issuer.ca }, ...trustTestCa() });
}

async function tokenFile(aud: string | string[]): Promise<string> {
  const token = await issuer.mint({ aud });
  const path = `${tempDir()}/bt`;
  writeFile(`${path}.tmp`, `${token}\n`);
  renameSync(`${path}.tmp`, path);
  setEnv({ BEARER_TOKEN_FILE: path });
  return token;
}

describe("a session's default audience with an explicit port", () => {
  it("sends a token whose aud is https://host:port to that port", async () => {
    const token = await tokenFile(one.origin);
    await session().get(`${one.origin}/data`);
    expect(one.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
  });

  it("does not send it to another port of the same host", async () => {
    await tokenFile(one.origin);
    await session().get(`${two.origin}/data`);
    expect(two.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("still sends a token whose aud is the host without a port", async () => {
    const token = await tokenFile("https://127.0.0.1");
    await session().get(`${two.origin}/data`);
    expect(two.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
  });

  it("remembers the audience per port: one session, two ports", async () => {
    const token = await tokenFile(two.origin);
    const s = session();
    await s.get(`${one.origin}/a`);
    await s.get(`${two.origin}/b`);
    await s.get(`${one.origin}/c`);
    expect(one.requests.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
    expect(two.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
  });

  it("asks discovery for both audiences", async () => {
    const discovery = new ScitokenDiscovery({ ca: issuer.ca });
    const strategy = new ScitokenStrategy({ discovery });
    const token = await tokenFile(one.origin);
    const found = await strategy.find(new URL(`${one.origin}/x`));
    expect(found?.token.serialized).toBe(token);
    expect(await strategy.find(new URL(`${two.origin}/x`))).toBeUndefined();
  });
});
