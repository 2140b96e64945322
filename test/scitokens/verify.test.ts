import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, IgwnAuthError } from "../../src/lib/errors.js";
import { deserializeToken, loadTokenFile } from "../../src/scitokens/deserialize.js";
import { clearKeyCache } from "../../src/scitokens/keys/memory-cache.js";
import { SciToken } from "../../src/scitokens/token.js";
import { rejection } from "../helpers/errors.js";
import { startIssuer, type TestIssuer } from "../helpers/issuer.js";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

let issuer: TestIssuer;
let cacheDir: string;
const opts = () => ({ ca: issuer.ca, cacheDir });

beforeAll(async () => {
  issuer = await startIssuer();
});
afterAll(async () => {
  await issuer.close();
});
afterEach(() => {
  clearKeyCache();
});

let counter = 0;
function freshCacheDir(): string {
  counter += 1;
  return join(process.env.IGWN_TEST_ROOT ?? "/nonexistent", `verify-cache-${counter}`);
}

describe("deserializeToken with the issuer's published keys", () => {
  it.each(["RS256", "ES256"] as const)(
    "verifies an %s token through OIDC discovery",
    async (alg) => {
      cacheDir = freshCacheDir();
      const serialized = await issuer.mint({ sub: `user-${alg}` }, { alg });
      const token = await deserializeToken(serialized, opts());
      expect(token).toBeInstanceOf(SciToken);
      expect(token.serialized).toBe(serialized);
      expect(token.header.alg).toBe(alg);
      expect(token.claims.sub).toBe(`user-${alg}`);
      expect(token.claims.iss).toBe(issuer.url);
    },
  );

  it("loads an expired token: deserialisation checks the signature, not exp", async () => {
    cacheDir = freshCacheDir();
    const token = await deserializeToken(await issuer.mint({}, { expiresIn: -600 }), opts());
    expect(token.timeLeft()).toBeLessThan(0);
  });

  it("strips surrounding whitespace and accepts bytes", async () => {
    cacheDir = freshCacheDir();
    const serialized = await issuer.mint();
    const token = await deserializeToken(Buffer.from(`\n  ${serialized}\r\n`), opts());
    expect(token.serialized).toBe(serialized);
  });

  it("refuses a token whose signature was made with another key under the same kid", async () => {
    cacheDir = freshCacheDir();
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await issuer.mint({}, { alg: "ES256", signWith: privateKey });
    const err = await rejection(
      () => deserializeToken(forged, opts()),
      ErrorCode.INVALID_TOKEN,
      forged,
    );
    expect(err.message).toContain("does not verify");
    expect(err.message).toContain(issuer.url);
    expect(err.message).toContain(issuer.key("ES256").kid);
  });

  it("refuses a token whose payload was altered after signing", async () => {
    cacheDir = freshCacheDir();
    const [h, , s] = (await issuer.mint()).split(".");
    const altered = `${h}.${b64({ iss: issuer.url, sub: "mallory", scope: "write:/" })}.${s}`;
    await rejection(() => deserializeToken(altered, opts()), ErrorCode.INVALID_TOKEN, altered);
  });

  it("refuses a token without an issuer to fetch keys from", async () => {
    cacheDir = freshCacheDir();
    const serialized = await issuer.mint({ iss: undefined });
    const err = await rejection(
      () => deserializeToken(serialized, opts()),
      ErrorCode.INVALID_TOKEN,
      serialized,
    );
    expect(err.message).toContain("no issuer");
  });

  it("refuses an http issuer unless insecure is set", async () => {
    const plain = await startIssuer({ protocol: "http", algs: ["ES256"] });
    try {
      cacheDir = freshCacheDir();
      const serialized = await plain.mint();
      const err = await rejection(
        () => deserializeToken(serialized, { cacheDir }),
        ErrorCode.KEY_RETRIEVAL,
        serialized,
      );
      expect(err.message).toContain("plain HTTP");
      expect(err.message).toContain(plain.url);
      expect(plain.server.requests).toHaveLength(0);
      const token = await deserializeToken(serialized, { cacheDir, insecure: true });
      expect(token.claims.iss).toBe(plain.url);
    } finally {
      await plain.close();
    }
  });

  it("refuses an https issuer whose jwks_uri is http unless insecure is set", async () => {
    const plain = await startIssuer({ protocol: "http", algs: ["ES256"] });
    const mixed = await startIssuer({ algs: ["ES256"], jwksUri: `${plain.url}${plain.jwksPath}` });
    try {
      cacheDir = freshCacheDir();
      // Signed by the http issuer's key, which the https issuer advertises.
      const serialized = await plain.mint({ iss: mixed.url });
      const err = await rejection(
        () => deserializeToken(serialized, opts()),
        ErrorCode.KEY_RETRIEVAL,
        serialized,
      );
      expect(err.message).toMatch(/jwks_uri.*plain HTTP/);
      expect(plain.hits(plain.jwksPath)).toBe(0);
      await expect(
        deserializeToken(serialized, { ...opts(), insecure: true }),
      ).resolves.toBeInstanceOf(SciToken);
      // A key set fetched over http is not then served to a caller that did not allow it.
      await rejection(
        () => deserializeToken(serialized, opts()),
        ErrorCode.KEY_RETRIEVAL,
        serialized,
      );
    } finally {
      await Promise.all([plain.close(), mixed.close()]);
    }
  });

  it("does not trust the issuer's TLS certificate without its CA", async () => {
    cacheDir = freshCacheDir();
    const serialized = await issuer.mint();
    const err = await rejection(
      () => deserializeToken(serialized, { cacheDir }),
      ErrorCode.KEY_RETRIEVAL,
      serialized,
    );
    expect(err.message).toContain(issuer.url);
  });

  it("falls back to oauth-authorization-server metadata", async () => {
    const oauth = await startIssuer({ metadata: "oauth-authorization-server", path: "/igwn" });
    try {
      cacheDir = freshCacheDir();
      const token = await deserializeToken(await oauth.mint(), { ca: oauth.ca, cacheDir });
      expect(token.claims.iss).toBe(`${oauth.server.origin}/igwn`);
      expect(oauth.hits("/igwn/.well-known/openid-configuration")).toBe(1);
      expect(oauth.hits("/igwn/.well-known/oauth-authorization-server")).toBe(1);
    } finally {
      await oauth.close();
    }
  });
});

describe("deserializeToken with a publicKey", () => {
  it("verifies with a PEM public key without any network", async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const serialized = await new SignJWT({ iss: "https://nowhere.invalid", sub: "x" })
      .setProtectedHeader({ alg: "RS256" })
      .sign(privateKey);
    const token = await deserializeToken(serialized, { publicKey: await exportSPKI(publicKey) });
    expect(token.claims.sub).toBe("x");
  });

  it("verifies with a CryptoKey and with a JWK", async () => {
    const key = issuer.key("ES256");
    const serialized = await issuer.mint({}, { alg: "ES256" });
    const before = issuer.server.requests.length;
    await expect(
      deserializeToken(serialized, { publicKey: key.publicKey }),
    ).resolves.toBeInstanceOf(SciToken);
    await expect(
      deserializeToken(serialized, { publicKey: key.publicJwk }),
    ).resolves.toBeInstanceOf(SciToken);
    expect(issuer.server.requests.length).toBe(before);
  });

  it("refuses a token signed by another key", async () => {
    const other = await generateKeyPair("ES256", { extractable: true });
    const serialized = await issuer.mint({}, { alg: "ES256" });
    await rejection(
      () => deserializeToken(serialized, { publicKey: other.publicKey }),
      ErrorCode.INVALID_TOKEN,
      serialized,
    );
  });

  it("refuses a key of the wrong type for the alg", async () => {
    const serialized = await issuer.mint({}, { alg: "ES256" });
    await rejection(
      () => deserializeToken(serialized, { publicKey: issuer.key("RS256").publicKey }),
      ErrorCode.INVALID_TOKEN,
      serialized,
    );
  });

  it("refuses a publicKey that is not a key", async () => {
    const serialized = await issuer.mint();
    const err = await rejection(
      () =>
        deserializeToken(serialized, {
          publicKey: "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----",
        }),
      ErrorCode.KEY_RETRIEVAL,
      serialized,
    );
    expect(err.message).toContain("publicKey");
  });
});

describe("deserializeToken refuses unsafe algorithms", () => {
  it("refuses alg none", async () => {
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64({ iss: issuer.url, sub: "x" })}.`;
    const err = await rejection(
      () => deserializeToken(unsigned, opts()),
      ErrorCode.INVALID_TOKEN,
      unsigned,
    );
    expect(err.message).toContain('alg "none"');
    const unsignedWithJunk = `${b64({ alg: "None" })}.${b64({ iss: issuer.url })}.abcd`;
    await rejection(() => deserializeToken(unsignedWithJunk, opts()), ErrorCode.INVALID_TOKEN);
  });

  it("refuses HS256 even when the secret is the issuer's public key", async () => {
    const pem = await exportSPKI(issuer.key("RS256").publicKey);
    const serialized = await new SignJWT({ iss: issuer.url, sub: "x" })
      .setProtectedHeader({ alg: "HS256", kid: issuer.key("RS256").kid })
      .sign(new TextEncoder().encode(pem));
    const err = await rejection(
      () => deserializeToken(serialized, opts()),
      ErrorCode.INVALID_TOKEN,
      serialized,
    );
    expect(err.message).toContain("symmetric");
    await rejection(
      () => deserializeToken(serialized, { publicKey: pem }),
      ErrorCode.INVALID_TOKEN,
      serialized,
    );
  });

  it.each(["RS384", "RS512", "PS256", "PS512", "ES384", "ES512"] as const)(
    "refuses a well-signed %s token, as scitokens-cpp does (RS256 and ES256 only)",
    async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const serialized = await new SignJWT({ iss: issuer.url, sub: "x" })
        .setProtectedHeader({ alg })
        .sign(privateKey);
      const err = await rejection(
        () => deserializeToken(serialized, { publicKey }),
        ErrorCode.INVALID_TOKEN,
        serialized,
      );
      expect(err.message).toContain(`unsupported algorithm "${alg}"`);
      expect(err.message).toContain("supported: RS256, ES256");
    },
  );

  it("refuses an unknown alg", async () => {
    const token = `${b64({ alg: "XY999" })}.${b64({ iss: issuer.url })}.abcd`;
    const err = await rejection(
      () => deserializeToken(token, opts()),
      ErrorCode.INVALID_TOKEN,
      token,
    );
    expect(err.message).toContain("unsupported");
  });
});

describe("deserializeToken refuses malformed input with ERR_INVALID_TOKEN", () => {
  const good = `${b64({ alg: "RS256" })}.${b64({ iss: "https://issuer.example" })}.c2ln`;
  const cases: [string, unknown][] = [
    ["an empty string", ""],
    ["only whitespace", " \n\t "],
    ["two parts", good.split(".").slice(0, 2).join(".")],
    ["four parts", `${good}.more`],
    ["bad base64 in the header", `${good.replace(/^[^.]+/, "!!!")}`],
    ["a header that is not JSON", `${Buffer.from("{alg:").toString("base64url")}.${b64({})}.c2ln`],
    [
      "a payload that is not JSON",
      `${b64({ alg: "RS256" })}.${Buffer.from("nope").toString("base64url")}.c2ln`,
    ],
    ["a header that is a JSON array", `${b64(["RS256"])}.${b64({})}.c2ln`],
    ["a payload that is JSON null", `${b64({ alg: "RS256" })}.${b64(null)}.c2ln`],
    [
      "a header that is not UTF-8",
      `${Buffer.from([0xff, 0xfe, 0x7b]).toString("base64url")}.${b64({})}.c2ln`,
    ],
    ["a signature with bad characters", `${good.slice(0, -4)}c2l=`],
    [
      "a non-string kid",
      `${b64({ alg: "RS256", kid: 7 })}.${b64({ iss: "https://issuer.example" })}.c2ln`,
    ],
    ["a huge string", "a".repeat(10_000_000)],
    ["bytes that are not UTF-8", new Uint8Array([0xff, 0xfe, 0xfd])],
    ["a number", 42],
    ["null", null],
    ["an object", { token: good }],
  ];
  it.each(cases)("refuses %s", async (_name, input) => {
    await rejection(
      () => deserializeToken(input as string, { cacheDir: false }),
      ErrorCode.INVALID_TOKEN,
    );
  });

  it("never puts the token in the message", async () => {
    const secret = `${b64({ alg: "RS256" })}.${b64({ sub: "secret-subject-value" })}.c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ`;
    await rejection(
      () => deserializeToken(secret, { cacheDir: false }),
      ErrorCode.INVALID_TOKEN,
      secret,
    );
  });
});

describe("loadTokenFile", () => {
  it("reads a token file ending in a newline", async () => {
    cacheDir = freshCacheDir();
    const serialized = await issuer.mint();
    const path = join(process.env.IGWN_TEST_ROOT ?? "", "bt_file");
    writeFileSync(path, `${serialized}\n`, { mode: 0o600 });
    const token = await loadTokenFile(path, opts());
    expect(token.serialized).toBe(serialized);
  });

  it("names the file, not its contents, when the token is bad", async () => {
    const path = join(process.env.IGWN_TEST_ROOT ?? "", "bt_bad");
    const junk = `${b64({ alg: "none" })}.${b64({ sub: "secret" })}.`;
    writeFileSync(path, junk, { mode: 0o600 });
    const err = await rejection(() => loadTokenFile(path, opts()), ErrorCode.INVALID_TOKEN, junk);
    expect(err.message).toContain(path);
  });

  it("refuses a missing file and a huge file with ERR_FILE_READ", async () => {
    const root = process.env.IGWN_TEST_ROOT ?? "";
    await rejection(() => loadTokenFile(join(root, "missing")), ErrorCode.FILE_READ);
    const huge = join(root, "huge");
    writeFileSync(huge, "a".repeat(200 * 1024));
    await rejection(() => loadTokenFile(huge), ErrorCode.FILE_READ);
  });
});

describe("deserializeToken on arbitrary input", () => {
  it("rejects garbage of any shape with an IgwnAuthError that does not echo it", async () => {
    const fc = await import("fast-check");
    const { publicKey } = issuer.key("ES256");
    const segment = fc.oneof(
      fc.string(),
      fc.base64String().map((s) => s.replace(/=+$/, "")),
      fc.json().map((j) => Buffer.from(j).toString("base64url")),
      fc.constantFrom(b64({ alg: "ES256" }), b64({ alg: "none" }), b64({ iss: "https://x" }), ""),
    );
    const input = fc.oneof(
      fc.string(),
      fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(".")),
    );
    await fc.assert(
      fc.asyncProperty(input, async (raw) => {
        // publicKey: never any network, whatever iss the garbage names.
        const err = await deserializeToken(raw, { publicKey, cacheDir: false }).catch(
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(IgwnAuthError);
        if (raw.trim().length > 12) expect((err as Error).message).not.toContain(raw.trim());
      }),
      { numRuns: 300 },
    );
  });

  it("rejects a bad ca with an IgwnAuthError", async () => {
    const serialized = await issuer.mint();
    await rejection(
      () => deserializeToken(serialized, { ca: "not a certificate", cacheDir: false }),
      ErrorCode.KEY_RETRIEVAL,
      serialized,
    );
  });
});
