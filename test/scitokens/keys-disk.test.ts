// The on-disk key cache: layout, permissions, atomic writes, and distrust of files it did
// not write — against real files in the test's temporary folder.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, IgwnAuthError } from "../../src/lib/errors.js";
import { deserializeToken } from "../../src/scitokens/deserialize.js";
import {
  defaultKeyCacheDir,
  keyCacheFile,
  readKeyCache,
} from "../../src/scitokens/keys/disk-cache.js";
import { DEFAULT_MAX_AGE_MS } from "../../src/scitokens/keys/key-set.js";
import { clearKeyCache } from "../../src/scitokens/keys/memory-cache.js";
import { SciToken } from "../../src/scitokens/token.js";
import { startIssuer, type TestIssuer } from "../helpers/issuer.js";

const root = process.env.IGWN_TEST_ROOT ?? "/nonexistent";
let issuer: TestIssuer;
let dir: string;
let n = 0;
const opts = () => ({ ca: issuer.ca, cacheDir: dir });

beforeAll(async () => {
  issuer = await startIssuer();
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(() => {
  n += 1;
  dir = join(root, `disk-${n}`, "keys");
  issuer.setMode("up");
  issuer.resetHits();
});
afterEach(() => {
  clearKeyCache();
});

describe("the disk key cache", () => {
  it("defaults to $XDG_CACHE_HOME/igwn-auth-utils/keys", async () => {
    const expected = join(process.env.XDG_CACHE_HOME ?? "", "igwn-auth-utils", "keys");
    expect(defaultKeyCacheDir()).toBe(expected);
    await deserializeToken(await issuer.mint(), { ca: issuer.ca });
    expect(existsSync(keyCacheFile(expected, issuer.url))).toBe(true);
  });

  it("falls back to ~/.cache when XDG_CACHE_HOME is unset or relative", () => {
    const saved = process.env.XDG_CACHE_HOME;
    try {
      delete process.env.XDG_CACHE_HOME;
      expect(defaultKeyCacheDir()).toBe(
        join(process.env.HOME ?? "", ".cache", "igwn-auth-utils", "keys"),
      );
      process.env.XDG_CACHE_HOME = "relative/cache";
      expect(defaultKeyCacheDir()).toBe(
        join(process.env.HOME ?? "", ".cache", "igwn-auth-utils", "keys"),
      );
    } finally {
      process.env.XDG_CACHE_HOME = saved;
    }
  });

  it("writes one private JSON file per issuer, atomically, in a private folder", async () => {
    await deserializeToken(await issuer.mint(), opts());
    const file = keyCacheFile(dir, issuer.url);
    expect(file).toMatch(/[0-9a-f]{64}\.json$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([file.slice(dir.length + 1)]);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved).toMatchObject({
      version: 1,
      issuer: issuer.url,
      jwksUri: `${issuer.server.origin}${issuer.jwksPath}`,
    });
    expect(saved.keys.map((k: { kid: string }) => k.kid).sort()).toEqual(
      [issuer.key("RS256").kid, issuer.key("ES256").kid].sort(),
    );
  });

  it("leaves no temporary files behind after many concurrent writes", async () => {
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        clearKeyCache();
        await deserializeToken(await issuer.mint(), opts());
      }),
    );
    expect(readdirSync(dir).filter((f) => !f.endsWith(".json"))).toEqual([]);
  });

  it("lets a new process verify a cached issuer without any network", async () => {
    await deserializeToken(await issuer.mint(), opts());
    clearKeyCache(); // as a fresh process would start
    issuer.setMode("down");
    issuer.resetHits();
    const token = await deserializeToken(await issuer.mint({}, { alg: "ES256" }), opts());
    expect(token).toBeInstanceOf(SciToken);
    expect(issuer.server.requests).toHaveLength(0);
  });

  it("uses stale keys from disk when the issuer is down", async () => {
    const file = keyCacheFile(dir, issuer.url);
    await deserializeToken(await issuer.mint(), opts());
    const saved = JSON.parse(readFileSync(file, "utf8"));
    saved.fetchedAt -= 2 * DEFAULT_MAX_AGE_MS;
    writeFileSync(file, JSON.stringify(saved), { mode: 0o600 });
    clearKeyCache();
    issuer.setMode("down");
    issuer.resetHits();
    await expect(deserializeToken(await issuer.mint(), opts())).resolves.toBeInstanceOf(SciToken);
    expect(issuer.server.requests.length).toBeGreaterThan(0); // it did try
  });

  it("fails clearly when the issuer is down and nothing is cached", async () => {
    issuer.setMode("down");
    const serialized = await issuer.mint();
    const err = await deserializeToken(serialized, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IgwnAuthError);
    expect((err as IgwnAuthError).code).toBe(ErrorCode.KEY_RETRIEVAL);
    expect((err as Error).message).not.toContain(serialized);
    expect(existsSync(keyCacheFile(dir, issuer.url))).toBe(false);
  });

  it("ignores a corrupt cache file and rewrites it", async () => {
    const file = keyCacheFile(dir, issuer.url);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, "{ this is not json", { mode: 0o600 });
    await deserializeToken(await issuer.mint(), opts());
    expect(issuer.hits(issuer.jwksPath)).toBe(1);
    expect(JSON.parse(readFileSync(file, "utf8")).issuer).toBe(issuer.url);
  });

  it("ignores a cache file written for another issuer", async () => {
    const file = keyCacheFile(dir, issuer.url);
    await deserializeToken(await issuer.mint(), opts());
    const saved = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...saved, issuer: "https://elsewhere.example" }), {
      mode: 0o600,
    });
    clearKeyCache();
    issuer.resetHits();
    expect(await readKeyCache(dir, issuer.url)).toBeUndefined();
    await deserializeToken(await issuer.mint(), opts());
    expect(issuer.hits(issuer.jwksPath)).toBe(1);
  });

  describe("never trusts keys it did not write safely", () => {
    // A key set planted by someone else, holding an attacker's key under the issuer's kid.
    async function plant(mode: number): Promise<{ forged: string; file: string }> {
      const attacker = await generateKeyPair("ES256", { extractable: true });
      const kid = issuer.key("ES256").kid;
      const file = keyCacheFile(dir, issuer.url);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const entry = {
        version: 1,
        issuer: issuer.url,
        jwksUri: `${issuer.server.origin}${issuer.jwksPath}`,
        keys: [{ ...(await exportJWK(attacker.publicKey)), kid, alg: "ES256" }],
        fetchedAt: Date.now(),
        maxAge: DEFAULT_MAX_AGE_MS,
      };
      writeFileSync(file, JSON.stringify(entry));
      chmodSync(file, mode);
      const forged = await issuer.mint(
        { sub: "mallory" },
        { alg: "ES256", signWith: attacker.privateKey },
      );
      return { forged, file };
    }

    it("uses a planted file with safe permissions (the control case)", async () => {
      const { forged } = await plant(0o600);
      await expect(deserializeToken(forged, opts())).resolves.toBeInstanceOf(SciToken);
    });

    it("ignores a cache file writable by others, and replaces it", async () => {
      const { forged, file } = await plant(0o666);
      const err = await deserializeToken(forged, opts()).catch((e: unknown) => e);
      expect((err as IgwnAuthError).code).toBe(ErrorCode.INVALID_TOKEN);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    });

    it("ignores a cache file that is a symbolic link", async () => {
      const { forged, file } = await plant(0o600);
      const target = join(root, `planted-${n}.json`);
      writeFileSync(target, readFileSync(file));
      symlinkSync(target, `${file}.link`);
      // Swap the real file for the link.
      writeFileSync(file, "");
      const { renameSync } = await import("node:fs");
      renameSync(`${file}.link`, file);
      const err = await deserializeToken(forged, opts()).catch((e: unknown) => e);
      expect((err as IgwnAuthError).code).toBe(ErrorCode.INVALID_TOKEN);
    });

    it("tightens a cache folder of ours that others could write into", async () => {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
      await deserializeToken(await issuer.mint(), opts());
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    });
  });

  it("keeps keys in memory only with cacheDir false", async () => {
    const before = readdirSync(root);
    await deserializeToken(await issuer.mint(), { ca: issuer.ca, cacheDir: false });
    expect(readdirSync(root)).toEqual(before);
  });
});
