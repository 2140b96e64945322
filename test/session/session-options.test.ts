import { renameSync } from "node:fs";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { inspect } from "node:util";
import { HTTPError } from "got";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  get,
  IgwnAuthError,
  NetrcBasicStrategy,
  post,
  SciToken,
  ScitokenStrategy,
  Session,
} from "../../src/index.js";
import { restoreEnv, setEnv, tempDir, writeFile } from "../helpers/env.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";

const TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLXNlY3JldA";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());
afterEach(() => {
  restoreEnv();
  server.requests.length = 0;
  server.handle((_req, res) => res.end("ok"));
});

function netrcFor(host: string, login = "albert.einstein", password = "super-secret"): string {
  const path = writeFile(
    `${tempDir()}/netrc`,
    `machine ${host} login ${login} password ${password}\n`,
  );
  setEnv({ NETRC: path });
  return path;
}

describe("Session options", () => {
  it("rejects forceNoauth together with failIfNoauth with a TypeError", () => {
    expect(() => new Session({ forceNoauth: true, failIfNoauth: true })).toThrow(TypeError);
    expect(() => new Session({ forceNoauth: true, failIfNoauth: true })).toThrow(
      "cannot select both forceNoauth and failIfNoauth",
    );
  });

  it("fails at construction when failIfNoauth finds nothing", () => {
    expect(() => new Session({ token: false, cert: false, failIfNoauth: true })).toThrow(
      IgwnAuthError,
    );
    expect(() => new Session({ token: false, cert: false, failIfNoauth: true })).toThrow(
      "no valid authorisation credentials found",
    );
  });

  it("accepts failIfNoauth when an explicit token is given", () => {
    expect(() => new Session({ token: TOKEN, cert: false, failIfNoauth: true })).not.toThrow();
  });

  it("configures nothing with forceNoauth, whatever else is given", async () => {
    setEnv({ BEARER_TOKEN: TOKEN });
    const session = new Session({
      cert: "cert.pem",
      token: TOKEN,
      forceNoauth: true,
      ...trustTestCa(),
    });
    expect(session.cert).toBeNull();
    expect(session.auth).toBeNull();
    await session.get(`${server.origin}/x`);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("defaults to token discovery and no certificate in an empty environment", () => {
    const session = new Session();
    expect(session.cert).toBeNull();
    expect(session.auth).toBeInstanceOf(ScitokenStrategy);
    expect((session.auth as ScitokenStrategy).token).toBeNull();
    expect(session.token).toBeNull();
  });

  it("sends an explicit serialised token as a bearer header", async () => {
    const session = new Session({ token: TOKEN, cert: false, ...trustTestCa() });
    await session.get(`${server.origin}/api`);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(session.token).toBeNull();
  });

  it("sends an explicit token given as bytes", async () => {
    const session = new Session({
      token: new TextEncoder().encode(TOKEN),
      cert: false,
      ...trustTestCa(),
    });
    await session.get(`${server.origin}/api`);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("keeps a SciToken object as session.token and sends it", async () => {
    const token = new SciToken(TOKEN, { alg: "ES256" }, { sub: "test" });
    const session = new Session({ token, cert: false, ...trustTestCa() });
    expect(session.token).toBe(token);
    expect((session.auth as ScitokenStrategy).token).toBe(token);
    await session.get(`${server.origin}/api`);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("rejects a request with IgwnAuthError when token: true finds no token", async () => {
    const session = new Session({ token: true, cert: false, ...trustTestCa() });
    await expect(session.get(`${server.origin}/api`)).rejects.toBeInstanceOf(IgwnAuthError);
    expect(server.requests).toHaveLength(0);
  });

  it("derives the default token audience from each request URL", () => {
    const session = new Session({
      url: "https://secret.example.com:8008",
      token: true,
      cert: false,
    });
    const auth = session.auth as ScitokenStrategy;
    expect(auth.audience).toBeUndefined();
    expect(auth.audienceFor(session.url)).toEqual(["https://secret.example.com"]);
    expect(auth.audienceFor("https://other.example.org/x")).toEqual(["https://other.example.org"]);
  });

  it("uses a configured token audience, scope and issuer", () => {
    const session = new Session({
      tokenAudience: "aud",
      tokenScope: ["read:/a", "write:/b"],
      tokenIssuer: "https://issuer.example.org",
    });
    const auth = session.auth as ScitokenStrategy;
    expect(auth.audienceFor("https://x.example.org")).toEqual(["aud"]);
    expect(auth.scope).toEqual(["read:/a", "write:/b"]);
    expect(auth.issuer).toEqual(["https://issuer.example.org"]);
  });

  it("stores an explicit certificate path without auth when tokens are off", () => {
    const session = new Session({ token: false, cert: "cert.pem" });
    expect(session.cert).toBe("cert.pem");
    expect(session.auth).toBeNull();
  });

  it("stores an explicit certificate pair", () => {
    const session = new Session({ token: false, cert: ["cert.pem", "key.pem"] });
    expect(session.cert).toEqual(["cert.pem", "key.pem"]);
  });

  it("fails at construction when cert: true finds no certificate", () => {
    expect(() => new Session({ token: false, cert: true })).toThrow(IgwnAuthError);
  });

  it("rejects option values of the wrong type", () => {
    expect(() => new Session({ cert: 42 as never })).toThrow(TypeError);
    expect(() => new Session({ token: 42 as never })).toThrow(TypeError);
    expect(() => new Session({ auth: ["only-user"] as never })).toThrow(TypeError);
  });

  it.each([
    ["https://example.org", ["albert.einstein", "super-secret"]],
    ["https://bad.org", null],
  ])("resolves basic auth from netrc for %s", (url, expected) => {
    netrcFor("example.org");
    const session = new Session({ cert: false, token: false, url });
    expect(session.auth).toEqual(expected);
  });

  it("records explicit basic auth as given, its password hidden from print", () => {
    const pair = new Session({ cert: false, auth: ["C", "secret-D"] }).auth as string[];
    expect([...pair]).toEqual(["C", "secret-D"]);
    const object = new Session({ cert: false, auth: { username: "C", password: "secret-D" } })
      .auth as { username: string; password: string };
    expect([object.username, object.password]).toEqual(["C", "secret-D"]);
    for (const shown of [
      inspect(pair),
      JSON.stringify(pair),
      String(pair),
      inspect(object),
      JSON.stringify(object),
    ]) {
      expect(shown).toContain("C");
      expect(shown).not.toContain("secret-D");
    }
  });

  it.each([
    [null, null, null],
    ["A", false, ["C", "D"]],
    ["A", true, null],
    [null, true, null],
    [false, false, ["C", "D"]],
  ] as const)(
    "records every kind of credential at once: cert %s, token %s, auth %s",
    (cert, token, auth) => {
      const session = new Session({ cert, token, auth: auth as [string, string] | null });
      expect(session.cert).toBe(cert === false ? null : cert);
      if (auth) expect(session.auth).toEqual(auth);
      else expect((session.auth as ScitokenStrategy).token).toBe(token);
    },
  );

  it("takes the defaults of token and cert from the environment toggles", () => {
    setEnv({ IGWN_AUTH_UTILS_FIND_SCITOKEN: "No", IGWN_AUTH_UTILS_FIND_X509: "0" });
    const off = new Session();
    expect(off.auth).toBeNull(); // token false → netrc, no url → nothing
    expect(off.toJSON()).toMatchObject({ auth: "netrc" });
    setEnv({ IGWN_AUTH_UTILS_FIND_SCITOKEN: "YES" });
    const on = new Session();
    expect((on.auth as ScitokenStrategy).token).toBe(true);
    setEnv({ IGWN_AUTH_UTILS_FIND_X509: "true" });
    expect(() => new Session()).toThrow(IgwnAuthError); // cert required, none to be found
  });

  it("lets explicit options win over the environment toggles", () => {
    setEnv({ IGWN_AUTH_UTILS_FIND_SCITOKEN: "0" });
    expect(new Session({ token: TOKEN }).auth).toBeInstanceOf(ScitokenStrategy);
  });
});

describe("Session requests", () => {
  it("rejects a 404 with got's HTTPError by default", async () => {
    server.handle((_req, res) => {
      res.statusCode = 404;
      res.end("not found");
    });
    const session = new Session({ cert: false, ...trustTestCa() });
    const error = await session.get(`${server.origin}/missing`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).response.statusCode).toBe(404);
  });

  it("resolves a 404 when raiseForStatus is false", async () => {
    server.handle((_req, res) => {
      res.statusCode = 404;
      res.end("not found");
    });
    const session = new Session({ cert: false, raiseForStatus: false, ...trustTestCa() });
    const res = await session.get(`${server.origin}/missing`);
    expect(res.statusCode).toBe(404);
  });

  it("passes got options through: prefixUrl, headers, method shortcuts", async () => {
    const session = new Session({
      cert: false,
      prefixUrl: server.origin,
      headers: { "x-client": "test" },
      ...trustTestCa(),
    });
    await session.put("a", { body: "one" });
    await session.patch("b", { json: { two: 2 } });
    await session.delete("c");
    await session.head("d");
    expect(server.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ["PUT", "/a", "one"],
      ["PATCH", "/b", '{"two":2}'],
      ["DELETE", "/c", ""],
      ["HEAD", "/d", ""],
    ]);
    expect(server.requests.every((r) => r.headers["x-client"] === "test")).toBe(true);
  });

  it("sends no token on a request with token: false, and the session's token on the next", async () => {
    const session = new Session({ token: TOKEN, cert: false, ...trustTestCa() });
    await session.get(`${server.origin}/one`, { token: false });
    await session.get(`${server.origin}/two`);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      undefined,
      `Bearer ${TOKEN}`,
    ]);
  });

  it("uses a per-request token over the session's", async () => {
    const session = new Session({ token: TOKEN, cert: false, ...trustTestCa() });
    await session.get(`${server.origin}/one`, { token: "other.token.value" });
    expect(server.requests[0]?.headers.authorization).toBe("Bearer other.token.value");
  });

  it("fails a request with failIfNoauth when nothing is found", async () => {
    const session = new Session({ failIfNoauth: false, ...trustTestCa() });
    await expect(
      session.get(`${server.origin}/x`, { cert: false, failIfNoauth: true }),
    ).rejects.toThrow(/no valid authorisation credentials found/);
    expect(server.requests).toHaveLength(0);
  });

  it("rejects a request that combines forceNoauth and failIfNoauth", async () => {
    const session = new Session({ cert: false, ...trustTestCa() });
    await expect(
      session.get(`${server.origin}/x`, { forceNoauth: true, failIfNoauth: true }),
    ).rejects.toBeInstanceOf(TypeError);
  });

  it("lets a request switch auth off with forceNoauth on a failIfNoauth session", async () => {
    const session = new Session({
      token: TOKEN,
      cert: false,
      failIfNoauth: true,
      ...trustTestCa(),
    });
    await session.get(`${server.origin}/x`, { forceNoauth: true });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("sends netrc basic auth when tokens are off, for the request's host only", async () => {
    netrcFor("127.0.0.1");
    const session = new Session({ token: false, cert: false, ...trustTestCa() });
    expect(session.auth).toBeNull(); // no session url: nothing to look up yet
    await session.get(`${server.origin}/netrc`);
    const expected = `Basic ${Buffer.from("albert.einstein:super-secret").toString("base64")}`;
    expect(server.requests[0]?.headers.authorization).toBe(expected);
  });

  it("notices an edited netrc file within a second", async () => {
    const path = netrcFor("127.0.0.1", "old-user", "old-pw");
    const session = new Session({ token: false, cert: false, ...trustTestCa() });
    await session.get(`${server.origin}/one`);
    writeFile(`${path}.new`, "machine 127.0.0.1 login new-user password new-pw\n");
    renameSync(`${path}.new`, path);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await session.get(`${server.origin}/two`);
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      basic("old-user", "old-pw"),
      basic("new-user", "new-pw"),
    ]);
  });

  it("does not send netrc basic auth while token auth is on", async () => {
    netrcFor("127.0.0.1");
    const session = new Session({ cert: false, ...trustTestCa() });
    await session.get(`${server.origin}/netrc`);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("sends explicit basic credentials", async () => {
    const session = new Session({ cert: false, auth: ["C", "D"], ...trustTestCa() });
    await session.get(`${server.origin}/basic`);
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("C:D").toString("base64")}`,
    );
  });
});

describe("module-level requests", () => {
  it("get makes a one-off session", async () => {
    server.handle((_req, res) => res.end("TEST"));
    const res = await get(`${server.origin}/test`, { cert: false, ...trustTestCa() });
    expect(res.body).toBe("TEST");
  });

  it("get respects token: false", async () => {
    setEnv({ BEARER_TOKEN: TOKEN });
    await get(`${server.origin}/test`, { token: false, cert: false, ...trustTestCa() });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("post sends a body with an explicit token", async () => {
    await post(`${server.origin}/submit`, {
      token: TOKEN,
      cert: false,
      json: { a: 1 },
      ...trustTestCa(),
    });
    expect(server.requests[0]).toMatchObject({ method: "POST", body: '{"a":1}' });
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("uses the session passed as options.session", async () => {
    const session = new Session({ token: TOKEN, cert: false, ...trustTestCa() });
    await get(`${server.origin}/with-session`, { session });
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("rejects invalid option combinations as a rejection", async () => {
    await expect(
      get(`${server.origin}/x`, { forceNoauth: true, failIfNoauth: true }),
    ).rejects.toThrow(TypeError);
  });
});

describe("secrets", () => {
  it("never shows a token or password in inspect or JSON of a session", () => {
    for (const session of [
      new Session({ token: TOKEN, cert: false }),
      new Session({ auth: ["user", "p4ssw0rd-secret"], cert: false }),
      new Session({ token: new SciToken(TOKEN, { alg: "ES256" }, {}), cert: false }),
    ]) {
      const strategy =
        session.auth instanceof ScitokenStrategy ? inspect(session.auth, { depth: 10 }) : "";
      const shown = `${inspect(session, { depth: 10 })}${JSON.stringify(session)}${strategy}${JSON.stringify(strategy)}`;
      expect(shown).not.toContain(TOKEN);
      expect(shown).not.toContain("p4ssw0rd-secret");
      expect(shown).not.toContain(Buffer.from("user:p4ssw0rd-secret").toString("base64"));
    }
  });

  it("redacts the token and TLS key from got's errors", async () => {
    server.handle((_req, res) => {
      res.statusCode = 500;
      res.end("boom");
    });
    const session = new Session({
      token: TOKEN,
      cert: false,
      retry: { limit: 0 },
      ...trustTestCa(),
    });
    const error = (await session
      .get(`${server.origin}/boom`)
      .catch((e: unknown) => e)) as HTTPError;
    expect(error).toBeInstanceOf(HTTPError);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const shown = `${inspect(error, { depth: 8 })}${inspect(error.options, { depth: 8 })}${JSON.stringify(error.options)}${error.message}`;
    expect(shown).not.toContain(TOKEN);
    expect(String(error.options.headers.authorization)).toBe("[redacted]");
  });

  it("keeps netrc passwords out of errors", () => {
    netrcFor("example.org", "user", "netrc-secret-pw");
    const session = new Session({ token: false, cert: false, url: "https://example.org" });
    expect(session.auth).toEqual(["user", "netrc-secret-pw"]);
    expect(inspect(session)).not.toContain("netrc-secret-pw");
    expect(new NetrcBasicStrategy().credentialsFor("https://example.org")).toEqual([
      "user",
      "netrc-secret-pw",
    ]);
  });
});

describe("timeouts", () => {
  it("has connect and response timeouts by default, which got's timeout option overrides", () => {
    const defaults = new Session({ cert: false }).got.defaults.options.timeout;
    expect(defaults).toMatchObject({ connect: 30_000, secureConnect: 30_000, response: 300_000 });
    expect(defaults.socket).toBeUndefined();
    const custom = new Session({ cert: false, timeout: { response: 1000, request: 5000 } }).got
      .defaults.options.timeout;
    expect(custom).toMatchObject({ connect: 30_000, response: 1000, request: 5000 });
  });

  it("gives up on a listener that never finishes the TLS handshake", async () => {
    const sockets = new Set<Socket>();
    const silent = createNetServer((socket) => sockets.add(socket)); // accepts, says nothing
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const session = new Session({
        cert: false,
        timeout: { secureConnect: 300 },
        retry: { limit: 0 },
      });
      const started = Date.now();
      await expect(session.get(`https://127.0.0.1:${port}/`)).rejects.toThrow(/secureConnect/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("gives up on a server that stops answering", async () => {
    server.handle(() => undefined); // never answers
    const session = new Session({
      cert: false,
      timeout: { response: 300 },
      retry: { limit: 0 },
      ...trustTestCa(),
    });
    const started = Date.now();
    await expect(session.get(`${server.origin}/stall`)).rejects.toThrow(/Timeout/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
