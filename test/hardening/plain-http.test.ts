// Plain HTTP: a credential the library discovered (a token, a netrc password) never goes
// over `http:` to a host that is not loopback unless the caller set allowInsecureTransport;
// one the caller gave explicitly goes, with a single SecurityWarning per process. Names
// that merely look local are remote. (test/session/token-discovery.test.ts covers the basic
// discovered-token cases; this goes further.)
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { get, IgwnAuthError, type ModuleRequestOptions, Session } from "../../src/index.js";
import { isInsecureTransport, isLoopbackHost } from "../../src/lib/origin.js";
import { restoreEnv, setEnv, tempDir, writeFile } from "../helpers/env.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";
import { type DualServer, startDualServer } from "./fixtures/dual-server.js";
import { LeakWatch, rejectionOf } from "./fixtures/leaks.js";
import { resolveToLoopback } from "./fixtures/resolve.js";
import { type LocalSigner, localSigner } from "./fixtures/tokens.js";

const REMOTE = "data.example.org";
const LOOKALIKES = [
  "evil.localhost",
  "localhost.",
  "localhost.evil.example.org",
  "127.0.0.1.nip.io",
];
const dnsLookup = resolveToLoopback([REMOTE, ...LOOKALIKES]);
const leaks = new LeakWatch();

let signer: LocalSigner;
let token: string;
let http: TestServer;
let dual: DualServer;
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);

beforeAll(async () => {
  signer = await localSigner();
  token = await signer.mint();
  leaks.secret(token);
  leaks.basic("alice", "alice-netrc-pw");
  leaks.basic("bob", "bob-explicit-pw");
  http = await startServer({ protocol: "http" });
  dual = await startDualServer({ certHosts: [REMOTE] });
  process.on("warning", onWarning);
  leaks.watchWarnings();
});
afterAll(async () => {
  process.off("warning", onWarning);
  leaks.stop();
  await Promise.all([http.close(), dual.close()]);
  expect(leaks.leaks()).toEqual([]);
});
afterEach(() => {
  restoreEnv();
  http.requests.length = 0;
  dual.requests.length = 0;
});

const remote = (path: string, host = REMOTE) => `http://${host}:${http.port}${path}`;

function discoverable(): void {
  const dir = tempDir();
  setEnv({
    BEARER_TOKEN_FILE: writeFile(`${dir}/bt`, `${token}\n`),
    NETRC: writeFile(
      `${dir}/netrc`,
      `machine ${REMOTE} login alice password alice-netrc-pw\n` +
        LOOKALIKES.map((h) => `machine ${h} login alice password alice-netrc-pw\n`).join(""),
    ),
  });
}

function session(options: ConstructorParameters<typeof Session>[0] = {}): Session {
  return new Session({
    cert: false,
    tokenVerification: { publicKey: signer.publicKey },
    dnsLookup,
    ...trustTestCa(),
    ...options,
  });
}

/** Process warnings are emitted on the next tick. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("discovered credentials over plain HTTP", () => {
  it("does not send a netrc password over http to a host that is not loopback", async () => {
    discoverable();
    await session({ token: false }).get(remote("/netrc"));
    expect(http.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("sends the netrc password there when the caller opts in with allowInsecureTransport", async () => {
    discoverable();
    await session({ token: false, allowInsecureTransport: true }).get(remote("/netrc"));
    expect(http.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("alice:alice-netrc-pw").toString("base64")}`,
    );
  });

  it.each(LOOKALIKES)(
    "treats %s as remote: no discovered token or netrc password",
    async (host) => {
      discoverable();
      await session().get(remote("/token", host));
      await session({ token: false }).get(remote("/netrc", host));
      expect(http.requests.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
    },
  );

  it("keeps both off an https → http downgrade to a remote host on the same port", async () => {
    discoverable();
    dual.handle((req, res, scheme) => {
      if (scheme === "https" && req.url === "/start") {
        res.writeHead(302, { location: `http://${REMOTE}:${dual.port}/landed` }).end();
      } else res.end("ok");
    });
    const start = `https://${REMOTE}:${dual.port}/start`;
    await session().get(start);
    await session({ token: false }).get(start);
    expect(dual.requests.map((r) => [r.scheme, r.headers.authorization])).toEqual([
      ["https", `Bearer ${token}`],
      ["http", undefined],
      ["https", `Basic ${Buffer.from("alice:alice-netrc-pw").toString("base64")}`],
      ["http", undefined],
    ]);
  });

  it("fails a failIfNoauth request over http to a remote host rather than send a discovered password", async () => {
    discoverable();
    const strict = session({ token: false, failIfNoauth: true, url: remote("/") });
    const err = await rejectionOf(strict.get(remote("/x")));
    expect(err).toBeInstanceOf(IgwnAuthError);
    expect(err.message).toContain(`no valid authorisation credentials found for http://${REMOTE}:`);
    leaks.error("failIfNoauth over http", err);
    expect(http.requests).toHaveLength(0);
  });
});

describe("module-level requests", () => {
  // BUG (src/session/requests.ts): the one-off Session of get()/request() is made from the
  // auth options only, so the session settings — allowInsecureTransport, tokenVerification,
  // raiseForStatus — go on to got, which rejects with "Unexpected option:
  // allowInsecureTransport". A module-level caller cannot opt in (or verify tokens with a
  // CA). Fix: split with splitSessionOptions and give the settings to the one-off Session:
  // `const { auth, settings, got } = splitSessionOptions(rest);
  //  new Session({ ...auth, ...settings, url: String(url) })`.
  it("lets get() opt in to plain HTTP with allowInsecureTransport", async () => {
    discoverable();
    const res = await get(remote("/module"), {
      dnsLookup,
      token: false,
      cert: false,
      allowInsecureTransport: true,
    } as ModuleRequestOptions);
    expect(res.statusCode).toBe(200);
    expect(http.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("alice:alice-netrc-pw").toString("base64")}`,
    );
  });

  it("sends no discovered credential over plain HTTP from get() by default", async () => {
    discoverable();
    await get(remote("/module"), { dnsLookup, token: false, cert: false });
    expect(http.requests[0]?.headers.authorization).toBeUndefined();
  });
});

describe("explicit credentials over plain HTTP", () => {
  it("sends an explicit token and explicit basic auth, with one SecurityWarning per process", async () => {
    await session({ token }).get(remote("/explicit-token"));
    await session({ auth: ["bob", "bob-explicit-pw"] }).get(remote("/explicit-basic"));
    await session({ token }).get(remote("/again"));
    await settle();
    expect(http.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${token}`,
      `Basic ${Buffer.from("bob:bob-explicit-pw").toString("base64")}`,
      `Bearer ${token}`,
    ]);
    const security = warnings.filter((w) => w.name === "SecurityWarning");
    expect(security).toHaveLength(1);
    expect(security[0]?.message).toMatch(/over plain HTTP to data\.example\.org:\d+/);
  });

  it("warns about nothing when an explicit credential goes over http to loopback", async () => {
    const before = warnings.length;
    await session({ token }).get(`${http.origin}/loopback`);
    await settle();
    expect(warnings.slice(before).filter((w) => w.name === "SecurityWarning")).toEqual([]);
  });
});

describe("what counts as loopback", () => {
  it.each([
    ["localhost", true],
    ["LOCALHOST", true],
    ["127.0.0.1", true],
    ["127.255.0.9", true],
    ["[::1]", true],
    // URL writes ::ffff:127.0.0.1 as ::ffff:7f00:1
    [new URL("http://[::ffff:127.0.0.1]/").hostname, true],
    ["evil.localhost", false],
    ["localhost.", false],
    ["localhost.example.org", false],
    ["127.0.0.1.nip.io", false],
    ["0.0.0.0", false],
    ["[::]", false],
    ["[::ffff:10.0.0.1]", false],
    ["10.0.0.1", false],
  ])("%s → %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
    expect(isInsecureTransport(new URL(`http://${host}:8080/`))).toBe(!loopback);
    expect(isInsecureTransport(new URL(`https://${host}:8443/`))).toBe(false);
  });
});
