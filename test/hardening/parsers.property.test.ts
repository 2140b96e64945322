// Property tests for every parser that reads what a user, a file or a server hands the
// library. The invariant everywhere: a correct result, or an IgwnAuthError / TypeError whose
// message says what was wrong — never another exception, never a hang, never a secret in
// the message. Several thousand cases per parser, all local (publicKey: no network).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/exit-codes.js";
import { escapeControl, jsonText } from "../../src/cli/format.js";
import { loadCaFile } from "../../src/cli/trust.js";
import {
  deserializeToken,
  ErrorCode,
  findScitoken,
  getNetrcAuth,
  IgwnAuthError,
  isValidToken,
  parseNetrc,
  SciToken,
  targetAudience,
  X509Credential,
} from "../../src/index.js";
import { claimsRequest, evaluateTokenClaims } from "../../src/scitokens/enforce.js";
import { parseMaxAge } from "../../src/scitokens/keys/http.js";
import { parseJwks, publicJwk } from "../../src/scitokens/keys/jwks.js";
import {
  normalizeScopePath,
  parseRequestedScopes,
  parseTokenScopes,
  scopePathMatches,
} from "../../src/scitokens/scope.js";
import { serverChallenge } from "../../src/session/explain/challenge.js";
import { gotCertificateOptions } from "../../src/x509/got-options.js";
import {
  isEncryptedPrivateKeyPem,
  parsePemBlocks,
  scanPemCertificates,
} from "../../src/x509/pem.js";
import { restoreEnv, setEnv, tempDir, writeFile } from "../helpers/env.js";
import { issueProxyCertificate, issueUserCertificate, proxyFileText } from "../helpers/x509-pki.js";
import { LeakWatch } from "./fixtures/leaks.js";
import { type LocalSigner, localSigner } from "./fixtures/tokens.js";

const leaks = new LeakWatch();
let signer: LocalSigner;
let good: string;
beforeAll(async () => {
  signer = await localSigner();
  good = await signer.mint({ aud: ["https://data.example.org", "ANY"] });
  leaks.secret(good);
});
afterAll(() => {
  restoreEnv();
  expect(leaks.leaks()).toEqual([]);
});

/** The error `fn` throws (undefined when it returns). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err;
  }
}

/** Only the library's own error types, with a message. */
function expectContractError(err: unknown, ...types: Array<new (...a: never[]) => Error>): void {
  if (!types.some((type) => err instanceof type)) {
    throw new Error(`unexpected ${(err as Error)?.name ?? typeof err}: ${String(err)}`);
  }
  expect((err as Error).message.length).toBeGreaterThan(0);
}

const b64url = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

const anyText = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.string({ unit: "binary", maxLength: 120 }),
  fc.string({
    unit: fc.constantFrom(".", "=", "-", "_", "a", "e", "J", "y", " ", "\n", "\r", "\t"),
    maxLength: 60,
  }),
);

describe("token strings (deserializeToken, isValidToken)", () => {
  const segment = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.base64String({ maxLength: 40 }).map((s) => s.replace(/=+$/, "")),
    fc.jsonValue({ maxDepth: 2 }).map(b64url),
    fc
      .record(
        {
          alg: fc.constantFrom(
            "ES256",
            "RS256",
            "none",
            "NONE",
            "HS256",
            "hs512",
            "EdDSA",
            "",
            "ES256 ",
          ),
          kid: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null)),
          typ: fc.constant("JWT"),
          crit: fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
          b64: fc.boolean(),
        },
        { requiredKeys: [] },
      )
      .map(b64url),
    fc.constantFrom("", "e30", "bnVsbA", "W10", "IiI", "eyJhbGciOiJFUzI1NiJ9"),
  );
  const jwtShaped = fc
    .array(segment, { minLength: 1, maxLength: 5 })
    .map((parts) => parts.join("."));

  it("rejects any text or JWT-shaped garbage with an IgwnAuthError that does not echo it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyText, jwtShaped), async (raw) => {
        const err = await deserializeToken(raw, { publicKey: signer.publicKey }).then(
          () => new Error("garbage verified"),
          (e: unknown) => e,
        );
        expectContractError(err, IgwnAuthError);
        expect([ErrorCode.INVALID_TOKEN, ErrorCode.KEY_RETRIEVAL]).toContain(
          (err as IgwnAuthError).code,
        );
        const message = (err as Error).message;
        const trimmed = raw.trim();
        if (trimmed.length >= 16) expect(message).not.toContain(trimmed);
        const signature = trimmed.split(".")[2] ?? "";
        if (signature.length >= 16) expect(message).not.toContain(signature);
      }),
      { numRuns: 3000 },
    );
  });

  it("rejects arbitrary bytes the same way", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const err = await deserializeToken(bytes, { publicKey: signer.publicKey }).then(
          () => new Error("garbage verified"),
          (e: unknown) => e,
        );
        expectContractError(err, IgwnAuthError);
      }),
      { numRuns: 1000 },
    );
  });

  // One edit to a signed token: the signing input changes, so it must not verify — or, where
  // base64url ignores the edited bits, it verifies to exactly the original claims.
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({
      kind: fc.constant("replace" as const),
      at: fc.nat(),
      char: fc.string({ minLength: 1, maxLength: 1, unit: "binary" }),
    }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      char: fc.constantFrom(".", "=", " ", "A", "\u0000", "é"),
    }),
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("swapcase" as const), at: fc.nat() }),
  );
  type Edit =
    | { kind: "replace" | "insert"; at: number; char: string }
    | { kind: "delete" | "truncate" | "swapcase"; at: number };
  function apply(token: string, e: Edit): string {
    const at = e.at % token.length;
    switch (e.kind) {
      case "replace":
        return token.slice(0, at) + e.char + token.slice(at + 1);
      case "insert":
        return token.slice(0, at) + e.char + token.slice(at);
      case "delete":
        return token.slice(0, at) + token.slice(at + 1);
      case "truncate":
        return token.slice(0, at);
      default: {
        const c = token[at] ?? "";
        const swapped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
        return token.slice(0, at) + swapped + token.slice(at + 1);
      }
    }
  }

  it("never accepts an edited token with other claims, and never echoes it", async () => {
    const original = await deserializeToken(good, { publicKey: signer.publicKey });
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        const edited = edits.reduce((t, e) => apply(t, e), good);
        const result: unknown = await deserializeToken(edited, {
          publicKey: signer.publicKey,
        }).catch((e: unknown) => e);
        if (result instanceof Error) {
          expectContractError(result, IgwnAuthError);
          leaks.error("edited token", result);
        } else {
          expect(result).toBeInstanceOf(SciToken);
          expect((result as SciToken).claims).toEqual(original.claims);
          expect((result as SciToken).header).toEqual(original.header);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("answers isValidToken with a boolean for any string, never an exception", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyText, jwtShaped), async (raw) => {
        await expect(
          isValidToken(raw, ["https://data.example.org"], "read:/frames", {
            publicKey: signer.publicKey,
          }),
        ).resolves.toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("token claims (the enforcer's rules on whatever a payload holds)", () => {
  const claimValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.double(),
    fc.constantFrom(
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -1,
      0,
      2 ** 53,
      "ANY",
      "read:/",
      "storage.read:/a",
    ),
  );
  const claims = fc.dictionary(
    fc.constantFrom(
      "iss",
      "aud",
      "exp",
      "nbf",
      "iat",
      "scope",
      "scp",
      "ver",
      "wlcg.ver",
      "sub",
      "__proto__",
      "constructor",
    ),
    claimValue,
    { maxKeys: 9 },
  );
  const request = fc.record({
    audience: fc.option(fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }), {
      nil: undefined,
    }),
    scope: fc.option(
      fc.constantFrom("read:/a", "write:/a/b", "read:/ write:/x", "compute.create"),
      { nil: undefined },
    ),
    issuer: fc.option(fc.array(fc.string({ maxLength: 12 }), { maxLength: 2 }), { nil: undefined }),
    timeleft: fc.integer({ min: -100, max: 10_000 }),
  });

  it("gives a verdict (a reason or null) for any claims, never an exception", () => {
    fc.assert(
      fc.property(claims, request, (c, r) => {
        const verdict = evaluateTokenClaims(c as never, claimsRequest(r.audience, r.scope, r));
        expect(verdict.reason === null || typeof verdict.reason === "string").toBe(true);
        expect(typeof verdict.changesAt).toBe("number");
      }),
      { numRuns: 4000 },
    );
  });
});

describe("scope names an object inherits", () => {
  it("judges a WLCG token whose scope is 'constructor' invalid, and discovery moves past it", async () => {
    const odd = await signer.mint({
      "wlcg.ver": "1.0",
      ver: undefined,
      scope: "constructor toString",
    });
    leaks.secret(odd);
    const opts = { publicKey: signer.publicKey };
    await expect(isValidToken(odd, ["ANY"], "read:/data", opts)).resolves.toBe(false);
    await expect(isValidToken(odd, ["ANY"], undefined, opts)).resolves.toBe(true);
    setEnv({ SCITOKEN: odd, BEARER_TOKEN: good });
    expect((await findScitoken(["https://data.example.org"], "read:/data", opts)).serialized).toBe(
      good,
    );
  });
});

describe("scope strings", () => {
  const scopeChar = fc.constantFrom(
    "r",
    "e",
    "a",
    "d",
    ":",
    "/",
    ".",
    "%",
    "2",
    "e",
    "E",
    "f",
    "F",
    "5",
    " ",
    "\t",
    "\n",
    "*",
    "?",
    "#",
    "é",
  );
  // Names an object literal inherits: a lookup table must not mistake them for entries.
  const inherited = fc.constantFrom("constructor", "toString", "__proto__", "hasOwnProperty:/x");
  const scopeText = fc.oneof(
    inherited,
    fc.string({ unit: scopeChar, maxLength: 40 }),
    fc.string({ maxLength: 40 }),
  );

  it("parses any requested scope text into scopes or a TypeError", () => {
    fc.assert(
      fc.property(fc.oneof(scopeText, fc.array(scopeText, { maxLength: 4 })), (scope) => {
        const err = thrownBy(() => parseRequestedScopes(scope));
        if (err !== undefined) expectContractError(err, TypeError);
      }),
      { numRuns: 4000 },
    );
  });

  it("parses any token scope list into grants or a reason, never an exception", () => {
    fc.assert(
      fc.property(fc.array(scopeText, { maxLength: 5 }), fc.boolean(), (items, wlcg) => {
        const grants = parseTokenScopes(items, wlcg);
        expect(typeof grants === "string" || Array.isArray(grants)).toBe(true);
      }),
      { numRuns: 4000 },
    );
  });

  const segment = fc.oneof(
    fc.constantFrom(
      "..",
      ".",
      "",
      "%2e%2e",
      "%2E.",
      ".%2e",
      "%2f",
      "%2F..",
      "data",
      "a b",
      "%00",
      "%25",
      "..%2f",
    ),
    fc.string({ unit: scopeChar, maxLength: 6 }),
  );

  it("never lets a requested path escape the granted folder after normalisation", () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        const requested = `/data/${segments.join("/")}`;
        let normalised: string;
        try {
          normalised = normalizeScopePath(requested);
        } catch {
          return; // refused: a path with '..' (plain or encoded) is never granted
        }
        expect(normalised.split("/")).not.toContain("..");
        if (scopePathMatches(normalised, "/data")) {
          expect(normalised === "/data" || normalised.startsWith("/data/")).toBe(true);
        }
        expect(scopePathMatches(normalised, "/dat")).toBe(false);
        // Normalising is idempotent: both sides of a comparison land on the same form.
        expect(normalizeScopePath(normalised)).toBe(normalised);
      }),
      { numRuns: 4000 },
    );
  });
});

describe("URLs given to targetAudience", () => {
  it("returns scheme://host (plus ANY) or throws a TypeError, for any text", () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.webUrl(), fc.domain()), fc.boolean(), (url, any) => {
        let aud: string[];
        try {
          aud = targetAudience(url, any);
        } catch (err) {
          expectContractError(err, TypeError);
          return;
        }
        expect(aud).toHaveLength(any ? 2 : 1);
        expect(aud[0]).toMatch(/^[a-z][a-z0-9+.-]*:\/\/[^/@]+$/);
        if (any) expect(aud[1]).toBe("ANY");
      }),
      { numRuns: 4000 },
    );
  });

  it("maps a web URL to its scheme and host without port, path or user", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const parsed = new URL(url);
        expect(targetAudience(url, false)).toEqual([`${parsed.protocol}//${parsed.hostname}`]);
      }),
      { numRuns: 3000 },
    );
  });

  it("presumes https for a bare host name, with or without a port", () => {
    fc.assert(
      fc.property(fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 })), (host, port) => {
        const input = port === null ? host : `${host}:${port}`;
        expect(targetAudience(input)).toEqual([
          `https://${new URL(`https://${host}`).hostname}`,
          "ANY",
        ]);
      }),
      { numRuns: 3000 },
    );
  });

  it("never puts a password from the URL in its error message", () => {
    const password = fc
      .string({
        unit: fc.constantFrom("s", "3", "c", "R", "@", "/", ":", "%", "!"),
        minLength: 6,
        maxLength: 16,
      })
      .map((p) => `Pw${p}`);
    const broken = fc.constantFrom(
      "",
      "/",
      "/path",
      ":99999",
      "[::1",
      "%zz",
      " host",
      "exa mple.org",
    );
    fc.assert(
      fc.property(
        fc.constantFrom("https://", "http://", "//", ""),
        fc.constantFrom("", "albert", "user.name"),
        password,
        broken,
        (scheme, user, pw, rest) => {
          const url = `${scheme}${user}:${pw}@${rest}`;
          let message = "";
          try {
            const aud = targetAudience(url);
            expect(aud.join(" ")).not.toContain(pw);
          } catch (err) {
            expectContractError(err, TypeError);
            message = (err as Error).message;
          }
          expect(message).not.toContain(pw);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("PEM files", () => {
  const user = issueUserCertificate({ commonName: "Property User" });
  const proxy = issueProxyCertificate(user);
  const proxyText = proxyFileText(proxy, user);
  const fingerprints = [proxy.x509.fingerprint256, user.x509.fingerprint256];
  beforeAll(() => {
    leaks.secret(proxy.keyPem);
    leaks.public(proxy.certPem, user.certPem);
  });

  const pemish = fc.oneof(
    anyText,
    fc
      .tuple(
        fc.constantFrom(
          "CERTIFICATE",
          "PRIVATE KEY",
          "RSA PRIVATE KEY",
          "EC PRIVATE KEY",
          "ENCRYPTED PRIVATE KEY",
          "X509 CRL",
          "certificate",
        ),
        fc.oneof(fc.base64String({ maxLength: 200 }), fc.string({ maxLength: 40 })),
        fc.constantFrom("\n", "\r\n", "\r"),
        fc.boolean(),
      )
      .map(([label, body, eol, closed]) =>
        [
          `-----BEGIN ${label}-----`,
          ...(body.match(/.{1,64}/g) ?? []),
          closed ? `-----END ${label}-----` : "",
        ].join(eol),
      ),
  );

  it("parses any text into credentials or an IgwnAuthError naming what it read", () => {
    fc.assert(
      fc.property(pemish, (text) => {
        const err = thrownBy(() => X509Credential.fromPem(text, "property PEM"));
        if (err === undefined) return;
        expectContractError(err, IgwnAuthError);
        expect((err as IgwnAuthError).code).toBe(ErrorCode.INVALID_CERTIFICATE);
        expect((err as Error).message).toMatch(/^property PEM/);
      }),
      { numRuns: 3000 },
    );
  });

  // Editors, mail and Windows rewrite line endings and add blanks or notes between blocks.
  const reformat = fc.record({
    eols: fc.array(fc.constantFrom("\n", "\r\n", "\r"), { minLength: 1, maxLength: 8 }),
    indent: fc.constantFrom("", " ", "\t", "  "),
    between: fc.constantFrom("", "\n", "Bag Attributes\n  localKeyID: 01\n", "# comment\n\n"),
    bom: fc.boolean(),
  });

  it("reads the same chain and key however the line endings and gaps are written", () => {
    fc.assert(
      fc.property(reformat, ({ eols, indent, between, bom }) => {
        let i = 0;
        const text =
          (bom ? "\uFEFF" : "") +
          proxyText
            .replace(/-----\n-----BEGIN/g, `-----\n${between}-----BEGIN`)
            .split("\n")
            .map((line) => (line === "" ? line : `${indent}${line}${indent}`))
            .join("\n")
            .replace(/\n/g, () => eols[i++ % eols.length] as string);
        const cred = X509Credential.fromPem(text, "reformatted proxy");
        expect(cred.certificates.map((c) => c.fingerprint256)).toEqual(fingerprints);
        expect(cred.privateKeyPem).toBe(proxy.keyPem);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses a cut or damaged proxy file clearly, never showing its key", () => {
    const damage = fc.record({
      cut: fc.nat({ max: proxyText.length }),
      at: fc.nat({ max: proxyText.length - 1 }),
      char: fc.constantFrom("!", "-", "\u0000", "A", "\n", "=", " "),
    });
    fc.assert(
      fc.property(damage, ({ cut, at, char }) => {
        const text = (proxyText.slice(0, at) + char + proxyText.slice(at + 1)).slice(0, cut);
        const err = thrownBy(() => parsePemBlocks(text, "damaged proxy"));
        if (err !== undefined) {
          expectContractError(err, IgwnAuthError);
          leaks.error("damaged proxy", err);
        }
        const err2 = thrownBy(() => X509Credential.fromPem(text, "damaged proxy"));
        if (err2 !== undefined) {
          expectContractError(err2, IgwnAuthError);
          leaks.error("damaged proxy", err2);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("turns any damaged proxy file into got options or an IgwnAuthError (key checked too)", () => {
    const dir = tempDir();
    let n = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: proxyText.length - 1 }),
        fc.constantFrom("!", "B", "\n", "-"),
        (at, char) => {
          const path = join(dir, `proxy-${n++}`);
          writeFileSync(path, proxyText.slice(0, at) + char + proxyText.slice(at + 1), {
            mode: 0o600,
          });
          const err = thrownBy(() => gotCertificateOptions(path));
          if (err !== undefined) {
            expectContractError(err, IgwnAuthError);
            leaks.error("damaged proxy file", err);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("CA bundles (--ca, NODE_EXTRA_CA_CERTS)", () => {
  const user = issueUserCertificate({ commonName: "Bundle User" });
  const LAZY = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
  const pieces = fc.constantFrom(
    "-----BEGIN CERTIFICATE-----",
    "-----END CERTIFICATE-----",
    "-----BEGIN CERTIFICATE----",
    "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----",
    "\n",
    "",
    "A",
    "QUJD\n",
    "-",
    user.certPem,
  );

  it("finds the same certificates as the lazy regular expression it replaced, in any text", () => {
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
        const text = parts.join("");
        expect(scanPemCertificates(text)).toEqual(text.match(LAZY) ?? []);
      }),
      { numRuns: 5000 },
    );
  });

  it("reads every certificate of a bundle, with notes between them, and refuses a file with none", () => {
    const dir = tempDir();
    const ca = issueUserCertificate({ commonName: "Second" });
    const bundle = writeFile(
      join(dir, "bundle.pem"),
      `# ours\n${user.certPem}\nnote\n${ca.certPem}`,
    );
    expect(loadCaFile(bundle)).toEqual([user.certPem.trim(), ca.certPem.trim()]);
    const none = writeFile(join(dir, "none.pem"), "-----BEGIN CERTIFICATE-----\nQUJD\n");
    expect(() => loadCaFile(none)).toThrow(UsageError);
    expect(() => loadCaFile(none)).toThrow(/holds no PEM certificate/);
  });
});

describe("no PEM reader is slow on adversarial input", () => {
  // About a megabyte (under the 1 MiB limit for credential files): the lazy scan the --ca
  // reader used took about 10 s on 800 kB of BEGIN lines with no END.
  const SIZE = 1_000_000;
  const huge = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
  const shapes: Array<[string, string]> = [
    ["BEGIN lines with no END", huge("-----BEGIN CERTIFICATE-----\n")],
    ["BEGIN markers on one line", huge("-----BEGIN CERTIFICATE-----")],
    ["a BEGIN, then base64 that never ends", `-----BEGIN CERTIFICATE-----\n${huge("QUJD\n")}`],
    ["END lines with no BEGIN", huge("-----END CERTIFICATE-----\n")],
    [
      "BEGINs each followed by an END that is not quite one",
      huge("-----BEGIN CERTIFICATE-----\n-----END CERTIFICAT\n"),
    ],
    ["a label that never closes", `-----BEGIN ${huge("A")}`],
    ["dashes", huge("-")],
    ["Proc-Type headers", huge("Proc-Type: 4,\n")],
    ["header lines in a key block", `-----BEGIN RSA PRIVATE KEY-----\n${huge("a-b: c\n")}`],
    ["spaces after Proc-Type", `Proc-Type:${huge(" ")}`],
  ];

  it.each(shapes)("%s (1 MB): every PEM reader answers within two seconds", (_name, text) => {
    const path = writeFile(join(tempDir(), "adversarial.pem"), text);
    const start = performance.now();
    const errors = [
      thrownBy(() => loadCaFile(path)),
      thrownBy(() => parsePemBlocks(text, "huge")),
      thrownBy(() => X509Credential.fromPem(text, "huge")),
      thrownBy(() => gotCertificateOptions(path)),
    ];
    scanPemCertificates(text);
    isEncryptedPrivateKeyPem(text);
    const ms = performance.now() - start;
    // Linear work takes a few hundred ms here; the quadratic scan took 3 to 13 s.
    expect(ms).toBeLessThan(2000);
    expect(errors[0]).toBeInstanceOf(UsageError);
    // Text without BEGIN lines is no blocks at all: the only reader that may not throw.
    if (errors[1] !== undefined) expectContractError(errors[1], IgwnAuthError);
    for (const err of errors.slice(2)) expectContractError(err, IgwnAuthError);
  });
});

describe("what the CLI shows (escapeControl, jsonText)", () => {
  const TERMINAL_CONTROL =
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const text = fc.oneof(
    fc.string({ unit: "binary", maxLength: 80 }),
    fc.string({
      unit: fc.constantFrom(
        "\u001b",
        "[",
        "2J",
        "\u0007",
        "\u009b",
        "\u202e",
        "\u2028",
        "\\",
        "a",
        "\n",
      ),
      maxLength: 40,
    }),
  );

  it("leaves no character a terminal acts on, and changes nothing else", () => {
    fc.assert(
      fc.property(text, (value) => {
        const shown = escapeControl(value);
        expect(shown).not.toMatch(TERMINAL_CONTROL);
        // Printable text passes as it is: removing the escapes' effect gives the same text.
        const plain = value.replace(new RegExp(TERMINAL_CONTROL.source, "g"), "");
        expect(shown.replace(/\\(?:x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt])/g, "")).toBe(
          plain.replace(/\\(?:x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt])/g, ""),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("writes any JSON value as JSON that parses back to it, with no raw control character", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), text, (value, extra) => {
        const doc = { value, extra };
        const shown = jsonText(doc);
        expect(shown.replace(/\n/g, "")).not.toMatch(TERMINAL_CONTROL);
        expect(JSON.parse(shown)).toEqual(JSON.parse(JSON.stringify(doc)));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("netrc files", () => {
  const words = fc.constantFrom(
    "machine",
    "default",
    "login",
    "user",
    "password",
    "account",
    "macdef",
    "#",
    "#c",
    '"',
    '"q"',
    "\\",
    "\\ ",
    "h.example.org",
    "\n",
    "\n\n",
    "\r\n",
    "\t",
  );
  const secret = fc.constantFrom("Hunter2-secret", "p@ss w0rd-secret", '"quoted secret"');

  it("parses any token soup into entries or an IgwnAuthError that quotes no password", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(words, words, secret), { maxLength: 30 }),
        fc.constantFrom(" ", "\n", "\t"),
        (tokens, sep) => {
          const err = thrownBy(() => parseNetrc(tokens.join(sep), "/soup/.netrc"));
          if (err === undefined) return;
          expectContractError(err, IgwnAuthError);
          expect((err as Error).message).not.toMatch(/Hunter2|p@ss|quoted secret/);
        },
      ),
      { numRuns: 4000 },
    );
  });

  it("looks up any URL or host text without throwing", () => {
    const path = writeFile(
      join(tempDir(), "netrc"),
      "machine data.example.org login albert password netrc-Secret-1\ndefault login anon password netrc-Secret-2\n",
    );
    setEnv({ NETRC: path });
    fc.assert(
      fc.property(fc.oneof(anyText, fc.webUrl(), fc.domain()), (url) => {
        const auth = getNetrcAuth(url);
        expect(auth === null || (Array.isArray(auth) && auth.length === 2)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.webUrl(), (url) => {
        const expected = new URL(url).hostname === "data.example.org" ? "albert" : "anon";
        expect(getNetrcAuth(url)?.[0]).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("what issuers send (metadata, key sets, cache headers)", () => {
  it("reads any Cache-Control text as a max-age or nothing", () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.array(anyText, { maxLength: 3 })), (header) => {
        const age = parseMaxAge(header);
        expect(age === undefined || (Number.isInteger(age) && age >= 0)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps only public keys of any JSON key set, or refuses it clearly", () => {
    const jwk = fc.record(
      {
        kty: fc.constantFrom(
          "RSA",
          "EC",
          "OKP",
          "oct",
          1,
          null,
          "constructor",
          "toString",
          "__proto__",
        ),
        kid: fc.oneof(fc.string({ maxLength: 6 }), fc.integer()),
        n: fc.string({ maxLength: 8 }),
        e: fc.constant("AQAB"),
        crv: fc.constantFrom("P-256", "Ed25519", 3),
        x: fc.string({ maxLength: 8 }),
        y: fc.string({ maxLength: 8 }),
        d: fc.constant("private-part-d"),
        k: fc.constant("symmetric-k"),
        key_ops: fc.oneof(fc.array(fc.string({ maxLength: 6 })), fc.string()),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({
        keys: fc.oneof(
          fc.array(fc.oneof(jwk, fc.jsonValue({ maxDepth: 1 })), { maxLength: 6 }),
          fc.jsonValue({ maxDepth: 1 }),
        ),
      }),
    );
    fc.assert(
      fc.property(body, (value) => {
        let keys: ReturnType<typeof parseJwks>;
        try {
          keys = parseJwks(value, "property JWKS");
        } catch (err) {
          expectContractError(err, IgwnAuthError);
          return;
        }
        for (const key of keys) {
          expect(JSON.stringify(key)).not.toMatch(/private-part-d|symmetric-k/);
          expect(publicJwk(key)).toEqual(key);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("no parser hangs on adversarial input", () => {
  // Patterns that make backtracking regular expressions or quadratic loops crawl.
  const huge = (unit: string, n = 200_000) => unit.repeat(Math.ceil(n / unit.length));
  const inputs = [
    huge("a"),
    huge("."),
    huge("//"),
    huge("/@"),
    huge(" \t"),
    huge("%2e"),
    huge("\\"),
    huge('"\\'),
    huge("\r\n"),
    huge("-----BEGIN CERTIFICATE-----\n"),
    huge("max-age=1,"),
    huge(", no-cache "),
    huge("read:/a "),
    huge("machine x "),
  ];

  it.each(inputs.map((s) => [JSON.stringify(s.slice(0, 24)), s]))(
    "handles %s… (200 kB) quickly",
    async (_name, text) => {
      const start = performance.now();
      thrownBy(() => targetAudience(text));
      thrownBy(() => parseRequestedScopes(text));
      thrownBy(() => parseTokenScopes(text.split(" "), true));
      thrownBy(() => parseNetrc(text, "huge"));
      thrownBy(() => parsePemBlocks(text, "huge"));
      thrownBy(() => X509Credential.fromPem(text, "huge"));
      scanPemCertificates(text);
      thrownBy(() => parseMaxAge(text));
      thrownBy(() => getNetrcAuth(text));
      await deserializeToken(text, { publicKey: signer.publicKey }).catch(() => undefined);
      expect(performance.now() - start).toBeLessThan(1500);
    },
  );
});

describe("what servers say (WWW-Authenticate)", () => {
  it("reads any header into a challenge, or nothing, never throwing, every string printable", () => {
    const piece = fc.constantFrom(
      "Bearer",
      "Basic",
      ' realm="x"',
      ", error=",
      '"insufficient_scope"',
      ', scope="read:/a b"',
      '"unterminated',
      "\\",
      "=",
      ",",
      " ",
      "\u001b[2J",
      "\u202e",
      "token68==",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.string(), (pieces, noise) => {
        const header = pieces.join("") + noise;
        const challenge = serverChallenge(header);
        for (const value of Object.values(challenge ?? {})) {
          // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them is the point
          expect(value).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
        }
      }),
    );
  });

  it("takes the RFC 6750 parameters of the first challenge", () => {
    expect(
      serverChallenge([
        'Bearer realm="data", error="insufficient_scope", scope="read:/x", error_description="a \\"b\\""',
        "Basic realm=y",
      ]),
    ).toMatchObject({
      scheme: "Bearer",
      realm: "data",
      error: "insufficient_scope",
      scope: "read:/x",
      errorDescription: 'a "b"',
    });
    expect(serverChallenge(undefined)).toBeUndefined();
    expect(serverChallenge("  ")).toBeUndefined();
  });

  it("is fast on a huge adversarial header", () => {
    const started = performance.now();
    serverChallenge(`Bearer ${'a="'.repeat(500_000)}`);
    serverChallenge(`Bearer ${"a=b, ".repeat(500_000)}`);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
