import got from "got";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AuthStrategy, Session } from "../../src/index.js";
import { restoreEnv, setEnv, tempDir, writeFile } from "../helpers/env.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";

const TOKEN = "header.payload.redirect-token-signature";

// Two origins on loopback: same scheme, different hosts (127.0.0.1 vs localhost).
let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  a = await startServer({ host: "127.0.0.1" });
  b = await startServer({ host: "localhost" });
});
afterAll(async () => {
  await a.close();
  await b.close();
});
afterEach(() => {
  restoreEnv();
  for (const server of [a, b]) {
    server.requests.length = 0;
    server.handle((_req, res) => res.end("ok"));
  }
});

function redirect(server: TestServer, to: string, status = 302): void {
  server.handle((req, res) => {
    if (req.url === "/start") {
      res.statusCode = status;
      res.setHeader("location", to);
      res.end();
    } else {
      res.end("landed");
    }
  });
}

/** The server answers 503 once, then 200. */
function failOnce(server: TestServer): void {
  let calls = 0;
  server.handle((_req, res) => {
    calls += 1;
    res.statusCode = calls === 1 ? 503 : 200;
    res.end();
  });
}

/** A session with an explicit token that retries once. */
function retryingSession(): Session {
  return new Session({ token: TOKEN, cert: false, retry: { limit: 1 }, ...trustTestCa() });
}

const customHeader: AuthStrategy = {
  name: "custom-header",
  authorize(request) {
    // A careless strategy: sets its secret header on every hop it is asked about.
    request.headers["x-service-key"] = "service-key-secret";
  },
};

describe("redirects", () => {
  it("sends the token and a strategy's header to a same-origin redirect target", async () => {
    redirect(a, "/landing");
    const session = new Session({ token: TOKEN, cert: false, auth: undefined, ...trustTestCa() });
    const withCustom = new Session({ cert: false, auth: customHeader, ...trustTestCa() });
    await session.get(`${a.origin}/start`);
    await withCustom.get(`${a.origin}/start`);
    expect(a.requests.map((r) => [r.url, r.headers.authorization])).toEqual([
      ["/start", `Bearer ${TOKEN}`],
      ["/landing", `Bearer ${TOKEN}`],
      ["/start", undefined],
      ["/landing", undefined],
    ]);
    expect(a.requests.slice(2).map((r) => r.headers["x-service-key"])).toEqual([
      "service-key-secret",
      "service-key-secret",
    ]);
  });

  it("never sends the token or a strategy's header to another origin", async () => {
    redirect(a, `${b.origin}/elsewhere`);
    const session = new Session({ token: TOKEN, cert: false, ...trustTestCa() });
    const withCustom = new Session({ cert: false, auth: customHeader, ...trustTestCa() });
    expect((await session.get(`${a.origin}/start`)).url).toBe(`${b.origin}/elsewhere`);
    await withCustom.get(`${a.origin}/start`);
    expect(a.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(a.requests[1]?.headers["x-service-key"]).toBe("service-key-secret");
    expect(b.requests).toHaveLength(2);
    for (const request of b.requests) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers["x-service-key"]).toBeUndefined();
    }
  });

  it("does not put the token back when a chain returns to the original origin (A → B → A)", async () => {
    redirect(a, `${b.origin}/start`);
    b.handle((_req, res) => {
      res.statusCode = 302;
      res.setHeader("location", `${a.origin}/back`);
      res.end();
    });
    const session = new Session({ token: TOKEN, cert: false, ...trustTestCa() });
    await session.get(`${a.origin}/start`);
    expect(a.requests.map((r) => [r.url, r.headers.authorization])).toEqual([
      ["/start", `Bearer ${TOKEN}`],
      ["/back", undefined],
    ]);
    expect(b.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("keeps a token off a 307 redirect with a body to another origin", async () => {
    redirect(a, `${b.origin}/post-here`, 307);
    const session = new Session({ token: TOKEN, cert: false, ...trustTestCa() });
    await session.post(`${a.origin}/start`, { body: "payload" });
    expect(b.requests[0]).toMatchObject({ method: "POST", url: "/post-here", body: "payload" });
    expect(b.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("normalises a strategy header written with a capital letter, and strips it cross-origin", async () => {
    redirect(a, `${b.origin}/x`);
    const capital: AuthStrategy = {
      name: "capital",
      authorize(request) {
        if (request.url.host === new URL(a.origin).host)
          request.headers.Authorization = "Bearer capital-secret";
      },
    };
    const session = new Session({ cert: false, auth: capital, ...trustTestCa() });
    await session.get(`${a.origin}/start`);
    expect(a.requests[0]?.headers.authorization).toBe("Bearer capital-secret");
    expect(b.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("gives a strategy the hop URL and the previous hop on a redirect", async () => {
    redirect(a, `${b.origin}/x`);
    const seen: Array<[string, string | undefined]> = [];
    const spy: AuthStrategy = {
      name: "spy",
      authorize(request) {
        seen.push([request.url.href, request.redirectedFrom?.href]);
      },
    };
    await new Session({ cert: false, auth: spy, ...trustTestCa() }).get(`${a.origin}/start`);
    expect(seen).toEqual([
      [`${a.origin}/start`, undefined],
      [`${b.origin}/x`, `${a.origin}/start`],
    ]);
  });

  it("looks netrc up again for the redirect target's host", async () => {
    const netrc = writeFile(
      `${tempDir()}/netrc`,
      "machine 127.0.0.1 login alice password alice-pw\nmachine localhost login bob password bob-pw\n",
    );
    setEnv({ NETRC: netrc });
    redirect(a, `${b.origin}/x`);
    await new Session({ token: false, cert: false, ...trustTestCa() }).get(`${a.origin}/start`);
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;
    expect(a.requests[0]?.headers.authorization).toBe(basic("alice", "alice-pw"));
    expect(b.requests[0]?.headers.authorization).toBe(basic("bob", "bob-pw"));
  });

  it("sends no netrc credentials to a redirect target without an entry", async () => {
    const netrc = writeFile(
      `${tempDir()}/netrc`,
      "machine 127.0.0.1 login alice password alice-pw\n",
    );
    setEnv({ NETRC: netrc });
    redirect(a, `${b.origin}/x`);
    await new Session({ token: false, cert: false, ...trustTestCa() }).get(`${a.origin}/start`);
    expect(a.requests[0]?.headers.authorization).toBeDefined();
    expect(b.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("sends the token again on a retry at the original origin", async () => {
    failOnce(a);
    await retryingSession().get(`${a.origin}/flaky`);
    expect(a.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
    ]);
  });

  it("retries at the redirected origin without the token", async () => {
    redirect(a, `${b.origin}/flaky`);
    failOnce(b);
    await retryingSession().get(`${a.origin}/start`);
    expect(b.requests).toHaveLength(2);
    expect(b.requests.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
  });

  it("keeps the guard when session.got and session.extend are used directly", async () => {
    redirect(a, `${b.origin}/x`);
    const session = new Session({ token: TOKEN, cert: false, ...trustTestCa() });
    await session.got(`${a.origin}/start`);
    const api = session.extend(
      { prefixUrl: a.origin },
      got.extend({ headers: { "x-extra": "1" } }),
    );
    await api.get("start");
    expect(a.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
    ]);
    expect(a.requests[1]?.headers["x-extra"]).toBe("1");
    expect(b.requests.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
  });
});

describe("headers a strategy gives through gotOptions()", () => {
  const fixedHeader: AuthStrategy = {
    name: "fixed-header",
    gotOptions: () => ({ headers: { "x-fixed-key": "fixed-key-secret" } }),
  };

  it("go to the original origin, on every hop and retry there", async () => {
    redirect(a, "/landing");
    await new Session({ cert: false, auth: fixedHeader, ...trustTestCa() }).get(
      `${a.origin}/start`,
    );
    expect(a.requests.map((r) => r.headers["x-fixed-key"])).toEqual([
      "fixed-key-secret",
      "fixed-key-secret",
    ]);
  });

  it("never follow a redirect to another origin", async () => {
    redirect(a, `${b.origin}/x`);
    await new Session({ cert: false, auth: fixedHeader, ...trustTestCa() }).get(
      `${a.origin}/start`,
    );
    expect(a.requests[0]?.headers["x-fixed-key"]).toBe("fixed-key-secret");
    expect(b.requests[0]?.headers["x-fixed-key"]).toBeUndefined();
  });
});

describe("the netrc default entry", () => {
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

  it("is sent to the host of the request, and never to a redirect target elsewhere", async () => {
    const netrc = writeFile(`${tempDir()}/netrc`, "default login dora password default-pw\n");
    setEnv({ NETRC: netrc });
    redirect(a, `${b.origin}/x`);
    await new Session({ token: false, cert: false, ...trustTestCa() }).get(`${a.origin}/start`);
    expect(a.requests[0]?.headers.authorization).toBe(basic("dora", "default-pw"));
    expect(b.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("gives way to the redirect target's own machine entry", async () => {
    const netrc = writeFile(
      `${tempDir()}/netrc`,
      "machine localhost login bob password bob-pw\ndefault login dora password default-pw\n",
    );
    setEnv({ NETRC: netrc });
    redirect(a, `${b.origin}/x`);
    await new Session({ token: false, cert: false, ...trustTestCa() }).get(`${a.origin}/start`);
    expect(a.requests[0]?.headers.authorization).toBe(basic("dora", "default-pw"));
    expect(b.requests[0]?.headers.authorization).toBe(basic("bob", "bob-pw"));
  });
});

describe("session.got.paginate", () => {
  /** A serves page 1 and links to `next`; every other page is the last. */
  function pages(next: string): void {
    a.handle((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/page1") res.setHeader("link", `<${next}>; rel="next"`);
      res.end(JSON.stringify([req.url]));
    });
    b.handle((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify([req.url]));
    });
  }

  const netrc = () =>
    writeFile(
      `${tempDir()}/netrc`,
      "machine 127.0.0.1 login alice password alice-pw\ndefault login dora password default-pw\n",
    );

  it.each([
    ["an explicit token", () => ({ token: TOKEN }), "authorization"],
    ["basic auth", () => ({ auth: ["u", "basic-pw"] as [string, string] }), "authorization"],
    ["a strategy header", () => ({ auth: customHeader }), "x-service-key"],
    [
      "a netrc default entry",
      () => {
        setEnv({ NETRC: netrc() });
        return { token: false };
      },
      "authorization",
    ],
  ])(
    "sends %s to page 1 and not to a next page on another origin",
    async (_name, options, header) => {
      pages(`${b.origin}/page2`);
      const session = new Session({ cert: false, ...options(), ...trustTestCa() });
      const items = await session.got.paginate.all(`${a.origin}/page1`, { responseType: "json" });
      expect(items).toEqual(["/page1", "/page2"]);
      expect(a.requests[0]?.headers[header]).toBeDefined();
      expect(b.requests[0]?.headers[header]).toBeUndefined();
    },
  );

  it("sends the token to a next page on the same origin", async () => {
    pages(`${a.origin}/page2`);
    const session = new Session({ token: TOKEN, cert: false, ...trustTestCa() });
    const items: unknown[] = [];
    for await (const item of session.got.paginate(`${a.origin}/page1`, { responseType: "json" })) {
      items.push(item);
    }
    expect(items).toEqual(["/page1", "/page2"]);
    expect(a.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
    ]);
  });

  it("keeps the token off a next page on http on the same host", async () => {
    const plain = await startServer({ host: "127.0.0.1", protocol: "http" });
    try {
      pages(`${plain.origin}/page2`);
      plain.handle((req, res) => res.end(JSON.stringify([req.url])));
      const session = new Session({ token: TOKEN, cert: false, ...trustTestCa() });
      await session.extend({ responseType: "json" }).paginate.all(`${a.origin}/page1`);
      expect(plain.requests[0]?.headers.authorization).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});

describe("session.got.paginate, once the pages left the first origin", () => {
  it("sends no token to a later page back on the first origin (A → B → A)", async () => {
    a.handle((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/page1") res.setHeader("link", `<${b.origin}/page2>; rel="next"`);
      res.end(JSON.stringify([req.url]));
    });
    b.handle((req, res) => {
      res.setHeader("content-type", "application/json");
      res.setHeader("link", `<${a.origin}/page3>; rel="next"`);
      res.end(JSON.stringify([req.url]));
    });
    const session = new Session({ token: TOKEN, cert: false, ...trustTestCa() });
    const items = await session.got.paginate.all(`${a.origin}/page1`, { responseType: "json" });
    expect(items).toEqual(["/page1", "/page2", "/page3"]);
    expect(a.requests.map((r) => [r.url, r.headers.authorization])).toEqual([
      ["/page1", `Bearer ${TOKEN}`],
      ["/page3", undefined],
    ]);
  });
});
