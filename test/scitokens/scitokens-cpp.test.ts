// Differential test: isValidToken against scitokens-cpp 0.7.3, the library XRootD and
// HTCondor decide access with. Every token is minted by the same real issuer and judged by
// both for the same audience and scope; each case states the verdict both must give, and
// the few places where this library deliberately differs say why.
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearKeyCache } from "../../src/scitokens/keys/memory-cache.js";
import { isValidToken } from "../../src/scitokens/validate.js";
import { tempDir } from "../helpers/env.js";
import { startIssuer, type TestIssuer } from "../helpers/issuer.js";
import { type ScitokensCpp, scitokensCpp, scitokensCppMissing } from "../helpers/scitokens-cpp.js";

const AUD = "https://data.example.org";
const PORT_AUD = "https://data.example.org:1094";
const WLCG_ANY = "https://wlcg.cern.ch/jwt/v1/any";
/** A SciTokens 1.0 token: no `ver` (the fixtures default to `scitoken:2.0`). */
const V1 = { ver: undefined, aud: AUD };
/** A WLCG profile token. */
const WLCG = { ver: undefined, "wlcg.ver": "1.0", aud: AUD };

interface Case {
  /** What the token is, as a phrase. */
  name: string;
  /** Claims over the fixture's SciToken 2.0 defaults (aud ANY, scope `read:/ write:/`). */
  claims?: Record<string, unknown>;
  /** The header's `typ`. */
  typ?: string;
  /** Sign with this algorithm (with the issuer's key of the same type, or a new P-384 key). */
  alg?: "RS256" | "ES256" | "RS384" | "PS256" | "ES384";
  /** The audience asked for (default: the session default for a URL on port 1094). */
  audience?: string[];
  /** The scope asked for (default: any). */
  scope?: string;
  /** Whether the token is valid for that audience and scope. */
  valid: boolean;
  /** Where scitokens-cpp 0.7.3 gives the other verdict: why this library does not follow. */
  cppDiffers?: string;
}

const now = () => Math.floor(Date.now() / 1000);

const cases: Case[] = [
  // --- Each profile's any-audience.
  { name: "a SciTokens 2.0 token with aud ANY", valid: true },
  { name: "a scitokens:2.0 token with aud ANY", claims: { ver: "scitokens:2.0" }, valid: true },
  {
    name: "a WLCG token with the WLCG any-audience",
    claims: { ...WLCG, aud: WLCG_ANY, scope: "storage.read:/" },
    scope: "read:/frames",
    valid: true,
  },
  { name: "a WLCG token with aud ANY", claims: { ...WLCG, aud: "ANY" }, valid: false },
  {
    name: "a SciTokens 2.0 token with the WLCG any-audience",
    claims: { aud: WLCG_ANY },
    valid: false,
  },
  {
    name: "a SciTokens 1.0 token with aud ANY",
    claims: { ...V1, aud: "ANY" },
    valid: true,
    cppDiffers:
      "scitokens-cpp 0.7.3 takes ANY only in SciTokens 2.0 tokens; SPEC §5 and the Python package take it in every SciTokens token, so a Python service's token is not passed over",
  },
  {
    name: "a SciTokens 1.0 token with aud ANY, when ANY is asked for by name",
    claims: { ...V1, aud: "ANY" },
    audience: [AUD, "ANY"],
    valid: true,
  },
  {
    name: "a scitokens:1.0 token with aud ANY",
    claims: { ver: "scitokens:1.0" },
    valid: true,
    cppDiffers:
      "scitokens-cpp 0.7.3 takes ANY only in SciTokens 2.0 tokens; SPEC §5 and the Python package take it in every SciTokens token, so a Python service's token is not passed over",
  },
  // --- Audiences as written, the port included.
  { name: "a token for the host", claims: { aud: AUD }, valid: true },
  {
    name: "a token for host:port, asked for with the port",
    claims: { aud: PORT_AUD },
    valid: true,
  },
  {
    name: "a token for host:port, asked for without the port",
    claims: { aud: PORT_AUD },
    audience: [AUD],
    valid: false,
  },
  { name: "a token for another port", claims: { aud: `${AUD}:8443` }, valid: false },
  {
    name: "a token whose aud list names the host",
    claims: { aud: ["https://x.org", AUD] },
    valid: true,
  },
  { name: "a token for another service", claims: { aud: "https://x.org" }, valid: false },
  {
    name: "a SciTokens 1.0 token without aud",
    claims: { ...V1, aud: undefined },
    valid: true,
    cppDiffers:
      "scitokens-cpp refuses a SciTokens 1.0 token without aud once an audience is asked for; SPEC §5 and the Python package take it as unrestricted",
  },
  { name: "a SciTokens 2.0 token without aud", claims: { aud: undefined }, valid: false },
  { name: "a WLCG token without aud", claims: { ...WLCG, aud: undefined }, valid: false },
  { name: "a token whose aud list holds a number", claims: { aud: [AUD, 5] }, valid: false },
  { name: "a token whose aud is an empty list", claims: { aud: [] }, valid: false },
  // --- Versions.
  { name: "a SciTokens 1.0 token (no ver)", claims: V1, valid: true },
  { name: "a scitokens:1.0 token", claims: { ...V1, ver: "scitokens:1.0" }, valid: true },
  { name: "a scitoken:1.0 token (not a version)", claims: { ver: "scitoken:1.0" }, valid: false },
  { name: "a token with a numeric ver", claims: { ver: 1 }, valid: false },
  { name: "a token with ver 2.0", claims: { ver: 2 }, valid: false },
  { name: "a token with ver scitoken:9.0", claims: { ver: "scitoken:9.0" }, valid: false },
  { name: "a WLCG token with wlcg.ver 2.0", claims: { ...WLCG, "wlcg.ver": "2.0" }, valid: false },
  {
    name: "a WLCG token with a numeric wlcg.ver",
    claims: { ...WLCG, "wlcg.ver": 1 },
    valid: false,
  },
  // --- Required claims and times.
  { name: "a token without exp", claims: { exp: undefined }, valid: false },
  {
    name: "a token without iat",
    claims: { iat: undefined },
    valid: true,
    cppDiffers:
      "scitokens-cpp 0.7.3 requires iat and nbf; SPEC §5 requires exp only and checks the others when present, as the Python package does",
  },
  {
    name: "a token without nbf",
    claims: { nbf: undefined },
    valid: true,
    cppDiffers:
      "scitokens-cpp 0.7.3 requires iat and nbf; SPEC §5 requires exp only and checks the others when present, as the Python package does",
  },
  {
    name: "a WLCG token without nbf",
    claims: { ...WLCG, nbf: undefined },
    valid: true,
    cppDiffers:
      "scitokens-cpp 0.7.3 requires iat and nbf; SPEC §5 requires exp only and checks the others when present, as the Python package does",
  },
  {
    name: "an at+jwt token without nbf (scitokens-cpp's own exception)",
    claims: { ...V1, nbf: undefined },
    typ: "at+jwt",
    valid: true,
  },
  { name: "a token without iss", claims: { iss: undefined }, valid: false },
  { name: "a token whose exp has a fraction", claims: { exp: now() + 3600.5 }, valid: false },
  { name: "a token whose exp is a string", claims: { exp: `${now() + 3600}` }, valid: false },
  { name: "a token whose nbf has a fraction", claims: { nbf: now() - 0.5 }, valid: false },
  { name: "a token whose iat is a string", claims: { iat: `${now()}` }, valid: false },
  {
    name: "an expired token",
    claims: { iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 },
    valid: false,
  },
  { name: "a token not valid for an hour (nbf)", claims: { nbf: now() + 3600 }, valid: false },
  { name: "a token issued an hour from now (iat)", claims: { iat: now() + 3600 }, valid: false },
  {
    name: "a token valid in 30 s (nbf)",
    claims: { nbf: now() + 30 },
    valid: true,
    cppDiffers:
      "scitokens-cpp allows no clock skew; this library allows a minute, so a token minted by an issuer whose clock runs a little ahead is not passed over",
  },
  { name: "a token whose sub is a number", claims: { sub: 5 }, valid: false },
  { name: "a token whose jti is a number", claims: { jti: 5 }, valid: false },
  // --- Claims the enforcer does not know.
  {
    name: "a SciTokens 1.0 token with an unknown claim",
    claims: { ...V1, extra: "x" },
    valid: true,
    cppDiffers:
      "scitokens-cpp refuses claims it does not know in a SciTokens 1.0 token; SPEC §5 and the Python package ignore them",
  },
  { name: "a SciTokens 1.0 token with opt", claims: { ...V1, opt: { a: 1 } }, valid: true },
  { name: "a SciTokens 2.0 token with an unknown claim", claims: { extra: "x" }, valid: true },
  {
    name: "a WLCG token with groups",
    claims: { ...WLCG, "wlcg.groups": ["/igwn"], scope: "storage.read:/" },
    valid: true,
  },
  {
    name: "an at+jwt token with an unknown claim",
    claims: { ...V1, extra: "x" },
    typ: "at+jwt",
    valid: true,
  },

  // --- Signature algorithms.
  { name: "an RS256 token", alg: "RS256", valid: true },
  { name: "an ES256 token", alg: "ES256", valid: true },
  { name: "an RS384 token signed with the issuer's RSA key", alg: "RS384", valid: false },
  { name: "a PS256 token signed with the issuer's RSA key", alg: "PS256", valid: false },
  { name: "an ES384 token", alg: "ES384", valid: false },
  // --- Scope paths.
  { name: "write:/data/", claims: { scope: "write:/data/" }, scope: "write:/data", valid: true },
  { name: "write:/data/", claims: { scope: "write:/data/" }, scope: "write:/data/x", valid: true },
  {
    name: "write:/data/",
    claims: { scope: "write:/data/" },
    scope: "write:/database",
    valid: false,
    cppDiffers:
      "scitokens-cpp 0.7.3 compares bare prefixes (fixed in later versions); a scope never grants a sibling here",
  },
  {
    name: "write:/data",
    claims: { scope: "write:/data" },
    scope: "write:/database",
    valid: false,
    cppDiffers:
      "scitokens-cpp 0.7.3 compares bare prefixes (fixed in later versions); a scope never grants a sibling here",
  },
  { name: "read:/data", claims: { scope: "read:/data" }, scope: "read:/data/./x//y", valid: true },
  { name: "read:/x", claims: { scope: "read:/x" }, scope: "write:/x", valid: false },
  {
    name: "read:/x and write:/y",
    claims: { scope: "read:/x write:/y" },
    scope: "read:/x/a write:/y/b",
    valid: true,
  },
  { name: "read:/x", claims: { scope: "read:/x" }, scope: "read:/x write:/y", valid: false },
  {
    name: "read:/x, tab, write:/y (one item: scopes are separated by spaces)",
    claims: { scope: "read:/x\twrite:/y" },
    scope: "write:/y",
    valid: false,
  },
  {
    name: "read:/a%7eb (a percent-escape)",
    claims: { scope: "read:/a%7eb" },
    scope: "read:/a~b/c",
    valid: true,
    cppDiffers:
      "scitokens-cpp 0.7.3 compares escapes as written; the Python package and later scitokens-cpp decode them",
  },
  // --- Malformed and unknown scope items.
  {
    name: "read:/x beside a URN",
    claims: { scope: "urn:mace:egi.eu:group:ligo read:/x" },
    scope: "read:/x",
    valid: true,
  },
  {
    name: "read:/x beside compute.create",
    claims: { scope: "compute.create read:/x" },
    scope: "read:/x",
    valid: true,
  },
  {
    name: "a bare read beside write:/out",
    claims: { scope: "read write:/out" },
    scope: "write:/out",
    valid: true,
  },
  {
    name: "a bare read",
    claims: { scope: "read write:/out" },
    scope: "read:/x",
    valid: false,
    cppDiffers:
      "scitokens-cpp 0.7.3 reads a bare read as read:/; here a malformed item grants nothing",
  },
  {
    name: "read: with an empty path",
    claims: { scope: "read:" },
    scope: "read:/x",
    valid: false,
    cppDiffers: "scitokens-cpp 0.7.3 reads read: as read:/; here a malformed item grants nothing",
  },
  {
    name: "a relative path",
    claims: { scope: "read:relative" },
    scope: "read:/relative",
    valid: false,
    cppDiffers: "scitokens-cpp 0.7.3 reads a relative path as absolute; here it grants nothing",
  },
  {
    name: "read:/a/../b",
    claims: { scope: "read:/a/../b" },
    scope: "read:/b",
    valid: false,
    cppDiffers:
      "scitokens-cpp 0.7.3 resolves '..' (later versions refuse the token); here the item grants nothing",
  },
  { name: "read:/a/../b", claims: { scope: "read:/a/../b" }, scope: "read:/a/b", valid: false },
  { name: "only malformed items, any scope asked for", claims: { scope: "read" }, valid: true },
  { name: "a scope that is not a string", claims: { scope: ["read:/"] }, valid: false },
  // --- scp.
  {
    name: "scope read:/x with scp write:/ (scp does not veto scope)",
    claims: { scope: "read:/x", scp: ["write:/"] },
    scope: "read:/x",
    valid: true,
  },
  {
    name: "scope read:/x with scp write:/ (scp grants nothing beside scope)",
    claims: { scope: "read:/x", scp: ["write:/"] },
    scope: "write:/x",
    valid: false,
  },
  {
    name: "a SciTokens 1.0 token with scope and scp",
    claims: { ...V1, scope: "read:/x", scp: ["read:/x"] },
    scope: "read:/x",
    valid: true,
    cppDiffers:
      "scitokens-cpp refuses claims it does not know in a SciTokens 1.0 token; SPEC §5 and the Python package ignore them",
  },
  {
    name: "a token with scp and no scope",
    claims: { scope: undefined, scp: ["read:/"] },
    scope: "read:/x",
    valid: true,
    cppDiffers:
      "scitokens-cpp requires scope; the legacy scp list stands in for it here, as in the Python package (SPEC §5)",
  },
  // --- WLCG scopes, both ways.
  {
    name: "WLCG storage.read:/data",
    claims: { ...WLCG, scope: "storage.read:/data" },
    scope: "read:/data/x",
    valid: true,
  },
  {
    name: "WLCG storage.read:/data",
    claims: { ...WLCG, scope: "storage.read:/data" },
    scope: "storage.read:/data/x",
    valid: true,
  },
  {
    name: "WLCG storage.read:/data",
    claims: { ...WLCG, scope: "storage.read:/data" },
    scope: "write:/data",
    valid: false,
  },
  {
    name: "WLCG storage.create:/data",
    claims: { ...WLCG, scope: "storage.create:/data" },
    scope: "write:/data",
    valid: true,
  },
  {
    name: "WLCG storage.create:/data",
    claims: { ...WLCG, scope: "storage.create:/data" },
    scope: "create:/data",
    valid: true,
  },
  {
    name: "WLCG storage.create:/data",
    claims: { ...WLCG, scope: "storage.create:/data" },
    scope: "modify:/data",
    valid: false,
  },
  {
    name: "WLCG storage.modify:/data",
    claims: { ...WLCG, scope: "storage.modify:/data" },
    scope: "modify:/data",
    valid: true,
  },
  {
    name: "WLCG storage.modify:/data",
    claims: { ...WLCG, scope: "storage.modify:/data" },
    scope: "storage.create:/data",
    valid: true,
  },
  {
    name: "WLCG storage.modify:/data",
    claims: { ...WLCG, scope: "storage.modify:/data" },
    scope: "read:/data",
    valid: false,
  },
  {
    name: "WLCG storage.stage:/data",
    claims: { ...WLCG, scope: "storage.stage:/data" },
    scope: "storage.stage:/data",
    valid: true,
  },
  {
    name: "WLCG compute.read",
    claims: { ...WLCG, scope: "compute.read" },
    scope: "condor:/READ",
    valid: true,
  },
  {
    name: "WLCG compute.modify, compute.create and compute.cancel",
    claims: { ...WLCG, scope: "compute.modify compute.create compute.cancel" },
    scope: "condor:/WRITE",
    valid: true,
  },
  {
    name: "WLCG compute.modify and compute.create",
    claims: { ...WLCG, scope: "compute.modify compute.create" },
    scope: "condor:/WRITE",
    valid: false,
  },
  {
    name: "SciTokens read:/x",
    claims: { scope: "read:/x" },
    scope: "storage.read:/x",
    valid: true,
  },
  {
    name: "SciTokens write:/x",
    claims: { scope: "write:/x" },
    scope: "storage.create:/x",
    valid: true,
  },
  {
    name: "SciTokens write:/x",
    claims: { scope: "write:/x" },
    scope: "storage.modify:/x/y",
    valid: true,
  },
  {
    name: "SciTokens read:/x",
    claims: { scope: "read:/x" },
    scope: "storage.create:/x",
    valid: false,
  },
  {
    name: "SciTokens storage.read:/x (not translated outside WLCG)",
    claims: { scope: "storage.read:/x" },
    scope: "read:/x",
    valid: false,
  },
  {
    name: "SciTokens storage.read:/x (as written)",
    claims: { scope: "storage.read:/x" },
    scope: "storage.read:/x",
    valid: true,
  },
];

let issuer: TestIssuer;
let cacheDir: string;
const tokens = new Map<Case, string>();

async function mint(c: Case): Promise<string> {
  const header = c.typ === undefined ? {} : { typ: c.typ };
  const alg = c.alg ?? "RS256";
  if (alg === "RS256" || alg === "ES256") {
    return issuer.mint(c.claims as JWTPayload, { alg, header });
  }
  // A foreign algorithm, with the issuer's key of that type where there is one (so only the
  // algorithm is wrong), and the kid of that key.
  const base = alg === "ES384" ? "ES256" : "RS256";
  const signWith =
    alg === "ES384"
      ? (await generateKeyPair("ES384")).privateKey
      : await importJWK(await exportJWK(issuer.key("RS256").privateKey), alg);
  return issuer.mint(c.claims as JWTPayload, {
    alg: base,
    signWith: signWith as CryptoKey,
    header: { ...header, alg },
  });
}

const title = (c: Case) =>
  `${c.name}${c.scope === undefined ? "" : `, asked for ${c.scope}`}${c.audience ? ` (audience ${c.audience.join(", ")})` : ""}`;

beforeAll(async () => {
  issuer = await startIssuer();
  cacheDir = tempDir("keys-");
  for (const c of cases) tokens.set(c, await mint(c));
});
afterAll(async () => {
  clearKeyCache();
  await issuer.close();
});

async function ours(c: Case): Promise<boolean> {
  const token = tokens.get(c) as string;
  return isValidToken(token, c.audience ?? [AUD, PORT_AUD], c.scope, {
    ca: issuer.ca,
    cacheDir,
  });
}

describe("isValidToken's verdicts on the battery", () => {
  it.each(cases.map((c) => [title(c), c] as const))("%s", async (_title, c) => {
    expect(await ours(c)).toBe(c.valid);
  });
});

describe.skipIf(scitokensCppMissing !== undefined)(
  `scitokens-cpp 0.7.3 agrees${scitokensCppMissing ? ` (skipped: ${scitokensCppMissing})` : ""}`,
  () => {
    let cpp: ScitokensCpp;
    beforeAll(async () => {
      const keys = [issuer.key("RS256").publicJwk, issuer.key("ES256").publicJwk];
      cpp = scitokensCpp(issuer.url, keys, tempDir("scitokens-cpp-"));
    });

    it.each(cases.map((c) => [title(c), c] as const))("%s", async (_title, c) => {
      const token = tokens.get(c) as string;
      const verdicts = {
        ours: await ours(c),
        cpp: await cpp.accepts(token, c.audience ?? [AUD, PORT_AUD], c.scope),
      };
      const expected = { ours: c.valid, cpp: c.cppDiffers ? !c.valid : c.valid };
      expect(
        verdicts,
        `${c.cppDiffers ? `a known difference (${c.cppDiffers}); ` : ""}scitokens-cpp said:\n${cpp.transcript.join("\n")}`,
      ).toEqual(expected);
    });
  },
);
