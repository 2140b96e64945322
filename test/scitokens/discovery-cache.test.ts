import { mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DISCOVERY_ENV } from "../../src/scitokens/candidates.js";
import { ScitokenDiscovery } from "../../src/scitokens/discovery-cache.js";
import {
  jtiOf,
  makeSigner,
  READ_AUDIENCE,
  READ_SCOPE,
  replaceFile,
  runtimeTokenPath,
  type Signer,
  tempDir,
} from "./discover-fixtures.js";

let signer: Signer;
let dir: string;
let discovery: ScitokenDiscovery;
const saved: Record<string, string | undefined> = {};

const AUD = [READ_AUDIENCE];
const SCOPE = [READ_SCOPE];

beforeAll(async () => {
  signer = await makeSigner();
});

beforeEach(() => {
  for (const name of DISCOVERY_ENV) saved[name] = process.env[name];
  dir = tempDir();
  discovery = new ScitokenDiscovery({ publicKey: signer.publicPem });
});

afterEach(() => {
  vi.useRealTimers();
  for (const name of DISCOVERY_ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  rmSync(runtimeTokenPath(), { force: true });
});

async function findJti(d = discovery): Promise<string | undefined> {
  const found = await d.find(AUD, SCOPE);
  return found ? jtiOf(found.token.serialized) : undefined;
}

describe("ScitokenDiscovery", () => {
  it("finds a token and says where it came from", async () => {
    const token = await signer.mint();
    replaceFile(runtimeTokenPath(), token);
    const found = await discovery.find(AUD, SCOPE);
    expect(found?.token.serialized).toBe(token);
    expect(found?.source).toBe(
      `$XDG_RUNTIME_DIR/bt_u${process.geteuid?.() ?? 0} (${runtimeTokenPath()})`,
    );
  });

  it("does not read or verify an unchanged token file again", async () => {
    replaceFile(runtimeTokenPath(), await signer.mint());
    const first = await discovery.find(AUD, SCOPE);
    for (let i = 0; i < 50; i++) {
      expect((await discovery.find(AUD, SCOPE))?.token).toBe(first?.token);
    }
    expect(discovery.stats).toEqual({ walks: 1, loads: 1 });
  });

  it("picks up a token file replaced on disk", async () => {
    const old = await signer.mint();
    const renewed = await signer.mint();
    replaceFile(runtimeTokenPath(), old);
    expect(await findJti()).toBe(jtiOf(old));
    replaceFile(runtimeTokenPath(), renewed);
    expect(await findJti()).toBe(jtiOf(renewed));
    expect(discovery.stats.loads).toBe(2);
  });

  it("picks up a token file rewritten in place", async () => {
    const path = runtimeTokenPath();
    writeFileSync(path, await signer.mint(), { mode: 0o600 });
    await findJti();
    const renewed = await signer.mint({ sub: "someone-else-with-a-longer-name" });
    writeFileSync(path, renewed);
    expect(await findJti()).toBe(jtiOf(renewed));
  });

  it("notices a change of mtime alone", async () => {
    const path = runtimeTokenPath();
    writeFileSync(path, await signer.mint(), { mode: 0o600 });
    await findJti();
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    await findJti();
    expect(discovery.stats.walks).toBe(2);
  });

  it("looks again when a discovery variable changes", async () => {
    const first = await signer.mint();
    const second = await signer.mint();
    process.env.BEARER_TOKEN_FILE = join(dir, "one");
    replaceFile(join(dir, "one"), first);
    replaceFile(join(dir, "two"), second);
    expect(await findJti()).toBe(jtiOf(first));
    process.env.BEARER_TOKEN_FILE = join(dir, "two");
    expect(await findJti()).toBe(jtiOf(second));
    process.env.BEARER_TOKEN = first;
    expect(await findJti()).toBe(jtiOf(first));
    expect(discovery.stats.walks).toBe(3);
  });

  it("lets a token appearing earlier in the order win", async () => {
    const later = await signer.mint();
    const earlier = await signer.mint();
    replaceFile(runtimeTokenPath(), later);
    process.env.BEARER_TOKEN_FILE = join(dir, "not-yet");
    expect(await findJti()).toBe(jtiOf(later));
    replaceFile(join(dir, "not-yet"), earlier);
    expect(await findJti()).toBe(jtiOf(earlier));
  });

  it("lets a token appearing in $_CONDOR_CREDS win", async () => {
    const later = await signer.mint();
    const condor = await signer.mint();
    const creds = join(dir, "creds");
    mkdirSync(creds);
    process.env._CONDOR_CREDS = creds;
    replaceFile(runtimeTokenPath(), later);
    expect(await findJti()).toBe(jtiOf(later));
    replaceFile(join(creds, "scitokens.use"), condor);
    expect(await findJti()).toBe(jtiOf(condor));
  });

  it("notices an earlier invalid token becoming valid", async () => {
    const wrong = await signer.mint({ aud: "someone-else" });
    const right = await signer.mint();
    process.env.SCITOKEN_FILE = join(dir, "scitoken");
    replaceFile(join(dir, "scitoken"), wrong);
    replaceFile(runtimeTokenPath(), await signer.mint());
    await findJti();
    await findJti();
    expect(discovery.stats.walks).toBe(1);
    replaceFile(join(dir, "scitoken"), right);
    expect(await findJti()).toBe(jtiOf(right));
  });

  it("looks again when the token comes within timeleft of expiry", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const now = Math.floor(start / 1000);
    const short = await signer.mint({ exp: now + 120 });
    replaceFile(runtimeTokenPath(), short);
    expect(await findJti()).toBe(jtiOf(short));
    vi.setSystemTime(start + 30_000);
    expect(await findJti()).toBe(jtiOf(short));
    expect(discovery.stats.walks).toBe(1);

    vi.setSystemTime(start + 61_000);
    expect(await findJti()).toBeUndefined();
    const renewed = await signer.mint({ exp: now + 3600 });
    replaceFile(runtimeTokenPath(), renewed);
    expect(await findJti()).toBe(jtiOf(renewed));
  });

  it("caches 'nothing found' until a token file appears", async () => {
    expect(await discovery.find(AUD, SCOPE)).toBeUndefined();
    expect(await discovery.find(AUD, SCOPE)).toBeUndefined();
    expect(discovery.stats.walks).toBe(1);
    const token = await signer.mint();
    replaceFile(runtimeTokenPath(), token);
    expect(await findJti()).toBe(jtiOf(token));
  });

  it("does not verify an invalid token again until it changes", async () => {
    replaceFile(runtimeTokenPath(), await signer.mint({ exp: Math.floor(Date.now() / 1000) - 5 }));
    expect(await discovery.find(AUD, SCOPE)).toBeUndefined();
    expect(await discovery.find(AUD, SCOPE)).toBeUndefined();
    expect(discovery.stats).toEqual({ walks: 1, loads: 1 });
  });

  it("takes a token that was not yet valid once its time comes", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const now = Math.floor(start / 1000);
    const early = await signer.mint({ nbf: now + 600, iat: now });
    replaceFile(runtimeTokenPath(), early);
    expect(await findJti()).toBeUndefined();
    vi.setSystemTime(start + 300_000);
    expect(await findJti()).toBeUndefined();
    expect(discovery.stats.walks).toBe(1);
    vi.setSystemTime(start + 600_000);
    expect(await findJti()).toBe(jtiOf(early));
  });

  it("tries again a while after an issuer's keys could not be had", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const keyless = new ScitokenDiscovery({ cacheDir: false });
    // Issuer "local" is not a URL, so its keys can never be fetched: a key retrieval error.
    process.env.BEARER_TOKEN = await signer.mint();
    expect(await keyless.find(AUD, SCOPE)).toBeUndefined();
    vi.setSystemTime(start + 10_000);
    expect(await keyless.find(AUD, SCOPE)).toBeUndefined();
    expect(keyless.stats.walks).toBe(1);
    vi.setSystemTime(start + 31_000);
    expect(await keyless.find(AUD, SCOPE)).toBeUndefined();
    expect(keyless.stats.walks).toBe(2);
  });

  it("shares one discovery among 100 concurrent callers", async () => {
    replaceFile(runtimeTokenPath(), await signer.mint());
    const results = await Promise.all(
      Array.from({ length: 100 }, () => discovery.find(AUD, SCOPE)),
    );
    expect(new Set(results.map((r) => r?.token)).size).toBe(1);
    expect(results[0]).toBeDefined();
    expect(discovery.stats).toEqual({ walks: 1, loads: 1 });
  });

  it("keeps answers for different requests apart", async () => {
    const read = await signer.mint();
    const other = await signer.mint({ aud: "other", scope: "write:/x" });
    process.env.SCITOKEN = other;
    replaceFile(runtimeTokenPath(), read);
    expect(await findJti()).toBe(jtiOf(read));
    const found = await discovery.find(["other"], ["write:/x/y"]);
    expect(jtiOf(found?.token.serialized ?? "")).toBe(jtiOf(other));
    expect(await discovery.find(AUD, SCOPE, { issuer: ["nobody"] })).toBeUndefined();
    expect(await discovery.find(AUD, SCOPE, { timeleft: 1e9 })).toBeUndefined();
    expect(discovery.stats.walks).toBe(4);
    await findJti();
    expect(discovery.stats.walks).toBe(4);
  });

  it("never returns a torn token while the file is replaced again and again", async () => {
    const tokens = await Promise.all(Array.from({ length: 5 }, () => signer.mint()));
    const valid = new Set(tokens.map(jtiOf));
    replaceFile(runtimeTokenPath(), tokens[0] as string);
    // Replace the file between every step of the reads (open, stat, read are separate
    // turns of the event loop), as a renewing htgettoken would.
    let replacing = true;
    let writes = 0;
    const writer = (async () => {
      while (replacing) {
        replaceFile(runtimeTokenPath(), tokens[writes++ % tokens.length] as string);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      for (let i = 0; i < 100; i++) {
        const jti = await findJti();
        expect(jti !== undefined && valid.has(jti)).toBe(true);
      }
    } finally {
      replacing = false;
      await writer;
    }
    expect(writes).toBeGreaterThan(50);
    // Once the writes stop, the cache settles on what is on disk.
    const last = tokens[(writes - 1) % tokens.length] as string;
    expect(await findJti()).toBe(jtiOf(last));
  });

  it("throws a TypeError for a malformed requested scope", async () => {
    await expect(discovery.find(AUD, ["write"])).rejects.toThrow(TypeError);
  });
});
