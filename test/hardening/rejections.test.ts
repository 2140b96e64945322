// Every way a request can reject or fail — not only the errors that pass got's `beforeError`
// hook — reaches the caller scrubbed: the `.json()` parse error, `cancel()`, an abort
// signal, `AbortSignal.timeout()`, the `.text()`/`.buffer()` shortcuts and stream errors;
// with a token, basic and netrc passwords and an X.509 key on the request. So do URLs:
// a password in the userinfo and a token in the query (`authz`, `access_token`) are
// redacted wherever a URL is shown.
import { join } from "node:path";
import { inspect } from "node:util";
import type { Got } from "got";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthResolver, type AuthStrategy, Session } from "../../src/index.js";
import { restoreEnv, setEnv, tempDir, writeFile } from "../helpers/env.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";
import { startIssuer, type TestIssuer } from "../helpers/issuer.js";
import {
  issueProxyCertificate,
  issueUserCertificate,
  testUserCa,
  writeProxyFile,
} from "../helpers/x509-pki.js";
import { LeakWatch, rejectionOf } from "./fixtures/leaks.js";

const NETRC_PW = "n3trc-Rejection-pw";
const BASIC_PW = "b4sic-Rejection-pw";
const URL_PW = "url-Rejection-pw";
const PRIVATE_TOKEN = "glpat-private-token-value";

let issuer: TestIssuer;
let server: TestServer;
let other: TestServer;
let token: string;
let proxyKey: string;
let proxyFile: string;
let tokenFile: string;
let netrcFile: string;
let leaks: LeakWatch;

beforeAll(async () => {
  issuer = await startIssuer();
  server = await startServer({ requestCert: true, clientCa: [testUserCa().certPem] });
  other = await startServer({ host: "localhost" });
  const dir = tempDir("rejections-");
  token = await issuer.mint({ aud: "ANY", scope: "read:/ write:/" });
  const user = issueUserCertificate({ commonName: "Rejection Keeper" });
  const proxy = issueProxyCertificate(user);
  proxyKey = proxy.keyPem;
  proxyFile = writeProxyFile(dir, proxy, [user]);
  tokenFile = writeFile(join(dir, "bt"), `${token}\n`);
  netrcFile = writeFile(join(dir, "netrc"), `default login alice password ${NETRC_PW}\n`);
  for (const s of [server, other]) s.handle(route);
});
afterAll(async () => {
  await Promise.all([issuer.close(), server.close(), other.close()]);
});
beforeEach(() => {
  leaks = new LeakWatch();
  leaks.secret(token, proxyKey, URL_PW, PRIVATE_TOKEN, encodeURIComponent(`Bearer ${token}`));
  leaks.basic("alice", NETRC_PW);
  leaks.basic("bob", BASIC_PW);
  leaks.basic("carol", URL_PW);
  leaks.watchWarnings();
});
afterEach(async () => {
  await new Promise((r) => setImmediate(r));
  leaks.stop();
  expect(leaks.leaks()).toEqual([]);
  restoreEnv();
});

function route(
  req: import("node:http").IncomingMessage,
  res: import("node:http").ServerResponse,
): void {
  const url = new URL(req.url ?? "/", "https://x");
  if (url.pathname === "/html") res.end("<html>not json</html>");
  else if (url.pathname === "/hang") return;
  else if (url.pathname === "/missing") res.writeHead(404).end("nope");
  else if (url.pathname === "/unauthorized")
    res.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token"' }).end("no");
  else if (url.pathname === "/forbidden")
    res
      .writeHead(403, { "www-authenticate": 'Bearer error="insufficient_scope", scope="read:/x"' })
      .end();
  else if (url.pathname === "/redirect")
    res.writeHead(302, { location: url.searchParams.get("to") ?? "/" }).end();
  else res.end("ok");
}

const verification = () => ({ ca: issuer.ca, cacheDir: false as const });

/** Sessions that carry each kind of secret on their requests. */
function sessions(): Array<[string, Session]> {
  setEnv({ BEARER_TOKEN_FILE: tokenFile, NETRC: netrcFile });
  const base = { ...trustTestCa(), retry: { limit: 0 } };
  const privateToken: AuthStrategy = {
    name: "private-token",
    authorize(request) {
      request.headers["private-token"] = PRIVATE_TOKEN;
    },
  };
  return [
    ["explicit token + X.509", new Session({ ...base, token, cert: proxyFile })],
    ["discovered token", new Session({ ...base, cert: false, tokenVerification: verification() })],
    ["basic", new Session({ ...base, cert: false, auth: ["bob", BASIC_PW] })],
    ["netrc", new Session({ ...base, cert: false, token: false })],
    ["custom header strategy", new Session({ ...base, cert: false, auth: privateToken })],
    [
      "got username/password",
      new Session({ ...base, cert: false, token: false, username: "carol", password: URL_PW }),
    ],
  ];
}

describe("every rejection a caller can see is scrubbed", () => {
  it("the .json() parse error of a non-JSON 200", async () => {
    for (const [name, session] of sessions()) {
      const err = await rejectionOf(session.get(`${server.origin}/html`).json());
      expect(err.name).toBe("ParseError");
      leaks.error(`${name}: .json()`, err);
    }
  });

  it("cancel()", async () => {
    for (const [name, session] of sessions()) {
      const promise = session.get(`${server.origin}/hang`);
      setTimeout(() => promise.cancel(), 50);
      const err = await rejectionOf(promise);
      expect(err.name).toBe("CancelError");
      leaks.error(`${name}: cancel`, err);
    }
  });

  it("an AbortController signal, and the .text() and .buffer() shortcuts", async () => {
    for (const [name, session] of sessions()) {
      for (const shortcut of ["promise", "text", "buffer"] as const) {
        const controller = new AbortController();
        const promise = session.get(`${server.origin}/hang`, { signal: controller.signal });
        setTimeout(() => controller.abort(), 50);
        const err = await rejectionOf(shortcut === "promise" ? promise : promise[shortcut]());
        expect(err.name).toMatch(/Abort/);
        leaks.error(`${name}: abort (${shortcut})`, err);
      }
    }
  });

  it("the TimeoutError of AbortSignal.timeout()", async () => {
    for (const [name, session] of sessions()) {
      const err = await rejectionOf(
        session.get(`${server.origin}/hang`, { signal: AbortSignal.timeout(50) }),
      );
      leaks.error(`${name}: AbortSignal.timeout`, err);
    }
  });

  it("stream errors, and a stream's response", async () => {
    for (const [name, session] of sessions()) {
      for (const path of ["/missing", "/hang"]) {
        const stream = session.got.stream(`${server.origin}${path}`, {
          signal: AbortSignal.timeout(100),
        });
        stream.on("response", (response) => leaks.object(`${name}: stream response`, response));
        const err = await new Promise<Error>((resolve) => {
          stream.on("error", resolve);
          stream.resume();
        });
        leaks.error(`${name}: stream ${path}`, err);
      }
    }
  });

  it("the explanation of a 401 or 403, in the message and in err.auth", async () => {
    for (const [name, session] of sessions()) {
      for (const path of ["/unauthorized", "/forbidden"]) {
        const err = await rejectionOf(session.get(`${server.origin}${path}`));
        expect((err as { auth?: unknown }).auth, `${name} ${path}`).toBeDefined();
        leaks.error(`${name}: ${path}`, err);
        leaks.object(`${name}: ${path} err.auth`, (err as { auth?: unknown }).auth);
      }
      const failing = new Session({
        ...trustTestCa(),
        token: true,
        tokenIssuer: "https://not-the-issuer.example",
        tokenVerification: verification(),
      });
      leaks.error(`${name}: token: true`, await rejectionOf(failing.get(`${server.origin}/x`)));
    }
  });

  it("an HTTPError shows no header a custom strategy wrote", async () => {
    for (const name of ["private-token", "x-auth-token", "x-anything"]) {
      const strategy: AuthStrategy = {
        name,
        authorize(request) {
          request.headers[name] = PRIVATE_TOKEN;
        },
      };
      const err = await rejectionOf(
        new Session({ ...trustTestCa(), cert: false, auth: strategy, retry: { limit: 0 } }).get(
          `${server.origin}/missing`,
        ),
      );
      expect(server.requests.at(-1)?.headers[name]).toBe(PRIVATE_TOKEN);
      leaks.error(name, err);
    }
  });
});

describe("URLs", () => {
  it("a password written in the URL is not in the error's message or stack", async () => {
    const url = `https://carol:${URL_PW}@127.0.0.1:${server.port}/missing`;
    const session = new Session({ ...trustTestCa(), cert: false, token: false });
    const err = await rejectionOf(session.get(url, { retry: { limit: 0 } }));
    expect(err.message).toContain("/missing");
    leaks.error("userinfo 404", err);
    leaks.error(
      "userinfo refused",
      await rejectionOf(
        session.get(`https://carol:${URL_PW}@127.0.0.1:1/`, { retry: { limit: 0 } }),
      ),
    );
  });

  it.each(["authz", "access_token"])(
    "a token in a redirect's %s query parameter is not shown anywhere",
    async (param) => {
      const target = `${other.origin}/missing?${param}=${encodeURIComponent(`Bearer ${token}`)}&x=1`;
      const session = new Session({ ...trustTestCa(), token, cert: false, retry: { limit: 0 } });
      const err = await rejectionOf(
        session.get(`${server.origin}/redirect?to=${encodeURIComponent(target)}`),
      );
      expect(err.name).toBe("HTTPError");
      const response = (err as unknown as { response: { url: string; redirectUrls: URL[] } })
        .response;
      expect(response.url).toContain(`${param}=`);
      expect(response.url).toContain("x=1");
      leaks.error("redirect", err);
      leaks.record("response.url", response.url);
      leaks.record("redirectUrls", response.redirectUrls.map(String).join(" "));
      leaks.object("response", response);
      // The request itself went as the server asked.
      expect(other.requests.at(-1)?.url).toContain(`${param}=`);
    },
  );

  it("a query parameter a strategy declares secret is redacted too", async () => {
    const strategy: AuthStrategy & { secretQueryParameters: string[] } = {
      name: "signed-url",
      secretQueryParameters: ["signature"],
      authorize() {},
    };
    const session = new Session({ ...trustTestCa(), cert: false, auth: strategy });
    const err = await rejectionOf(
      session.get(`${server.origin}/missing?signature=${PRIVATE_TOKEN}`, { retry: { limit: 0 } }),
    );
    leaks.error("declared parameter", err);
  });
});

describe("objects", () => {
  it("a plan made from auth: [user, password] shows no password", () => {
    const plan = new AuthResolver().resolve({ auth: ["bob", BASIC_PW], cert: false });
    leaks.object("plan", plan);
    leaks.object("plan.explicitAuth", plan.explicitAuth);
    expect(plan.strategy?.name).toBe("basic");
  });

  it("session.got and its defaults show no authorization header or TLS key passed as got options", () => {
    const session = new Session({
      cert: false,
      headers: { authorization: `Bearer ${token}`, "private-token": PRIVATE_TOKEN },
      https: { key: proxyKey, passphrase: BASIC_PW },
      username: "carol",
      password: URL_PW,
    });
    const instances: Array<[string, Got]> = [
      ["session.got", session.got],
      ["session.extend()", session.extend({ prefixUrl: server.origin })],
    ];
    for (const [where, instance] of instances) {
      leaks.object(where, instance);
      leaks.object(`${where}.defaults`, instance.defaults);
      leaks.object(`${where}.defaults.options`, instance.defaults.options);
    }
    // The options still work: they are hidden from view, not removed.
    expect(session.got.defaults.options.headers.authorization).toBe(`Bearer ${token}`);
    expect(inspect(session.got)).not.toBe("");
  });
});
