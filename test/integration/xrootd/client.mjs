// The client side of the XRootD integration suite: the built library (dist/), used as a user
// uses it, against the xrootd servers runner.mjs started. It runs in the runner's network
// namespace, with an environment of its own (HOME, XDG_*, NETRC in a private folder; the test
// CA through NODE_EXTRA_CA_CERTS), and prints one JSON object: per scenario, what came back
// and what the servers' export folders hold afterwards. It asserts nothing itself:
// xrootd.test.ts does.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { request as httpsRequest } from "node:https";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { inspect } from "node:util";
import { HTTPError } from "got";

const { runNode } = await import(
  new URL("../../../dist/dev/testing/child-process.js", import.meta.url).href
);
const { IgwnAuthError, Session, isValidToken } = await import(
  new URL("../../../dist/index.js", import.meta.url).href
);
const world = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8"));
const A = world.a.origin;
const B = world.b.origin;

// -- helpers ------------------------------------------------------------------------------

const CREDENTIAL_VARIABLES = /^(X509_|SCITOKEN|BEARER_TOKEN|_CONDOR_CREDS|IGWN_AUTH_UTILS_)/;

/** Only `vars` among the credential variables, as a user's shell would have them. */
function useEnv(vars) {
  for (const name of Object.keys(process.env)) {
    if (CREDENTIAL_VARIABLES.test(name)) delete process.env[name];
  }
  Object.assign(process.env, vars);
}

function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

/** What a file in an export folder holds now (`null`: absent). */
function stored(server, path) {
  const file = join(world[server].export, path);
  if (!existsSync(file)) return null;
  const bytes = readFileSync(file);
  return { length: bytes.length, sha256: sha256(bytes) };
}

/** The header names as they went on the wire for the request that got `response`. */
function wireHeaderNames(response) {
  return response?.req?.getRawHeaderNames?.() ?? null;
}

function describeResponse(response) {
  return {
    status: response.statusCode,
    headers: {
      "content-length": response.headers["content-length"] ?? null,
      "content-range": response.headers["content-range"] ?? null,
    },
    wireHeaderNames: wireHeaderNames(response),
  };
}

/** A rejection as data: its kind, status and message, and the wire header names. */
function describeError(err) {
  return {
    kind:
      err instanceof HTTPError
        ? "HTTPError"
        : err instanceof IgwnAuthError
          ? "IgwnAuthError"
          : err?.name,
    status: err?.response?.statusCode ?? null,
    code: err?.code ?? null,
    message: String(err?.message ?? err),
    wireHeaderNames: wireHeaderNames(err?.response),
  };
}

/** The status of a request that may be refused: a response's (and its body), or an error's. */
async function attempt(promise) {
  try {
    const response = await promise;
    const body = Buffer.isBuffer(response.body) ? response.body.toString("hex") : response.body;
    return { ok: true, ...describeResponse(response), body };
  } catch (err) {
    return { ok: false, ...describeError(err) };
  }
}

/**
 * Does the library itself take `token` for server A, asked for the audiences SPEC §5 gives
 * a request to A by default (`https://127.0.0.1` and, for its port, `https://127.0.0.1:8443`)?
 * Tells a token the library passed over from one xrootd refused.
 */
function libraryAccepts(token, scope) {
  return isValidToken(token, ["https://127.0.0.1", A], scope);
}

// -- scenarios ----------------------------------------------------------------------------

const scenarios = {
  /** 1. new Session() finds the one fitting token among four by audience, scope, issuer. */
  async discoveredToken() {
    useEnv({
      SCITOKEN: world.tokens.wrongAudience,
      SCITOKEN_FILE: world.tokenFiles.wrongScope,
      _CONDOR_CREDS: world.condorCreds,
      BEARER_TOKEN_FILE: world.tokenFiles.good,
    });
    const session = new Session();
    const options = { tokenScope: "read:/data/hello.txt", tokenIssuer: world.issuer };
    return {
      response: await attempt(session.get(`${A}/data/hello.txt`, options)),
      withoutToken: await attempt(session.get(`${A}/data/hello.txt`, { forceNoauth: true })),
      libraryAcceptsGood: await libraryAccepts(world.tokens.good, "read:/data/hello.txt"),
    };
  },

  /** 1b. A token whose audience names the server's port (`https://host:8443`). */
  async audienceWithPort() {
    useEnv({ BEARER_TOKEN_FILE: world.tokenFiles.withPort });
    const session = new Session();
    return {
      libraryAccepts: await libraryAccepts(world.tokens.withPort, "read:/data/hello.txt"),
      response: await attempt(session.get(`${A}/data/hello.txt`)),
    };
  },

  /** 2. PUT a string, a Buffer and a stream; the server must store each byte-exact. */
  async put() {
    useEnv({ BEARER_TOKEN_FILE: world.tokenFiles.good });
    const session = new Session();
    const text = "A string body: ünïcödé ✓, CRLF\r\n, NUL \u0000 and the end.\n";
    const buffer = Buffer.concat([Buffer.from([0, 13, 10, 255, 0]), randomBytes(4096)]);
    const chunks = [randomBytes(65536), randomBytes(65536), randomBytes(1234)];
    const out = {};
    out.string = {
      sent: { length: Buffer.byteLength(text), sha256: sha256(Buffer.from(text)) },
      response: await attempt(session.put(`${A}/data/put-string.txt`, { body: text })),
      stored: stored("a", "data/put-string.txt"),
    };
    out.buffer = {
      sent: { length: buffer.length, sha256: sha256(buffer) },
      response: await attempt(session.put(`${A}/data/put-buffer.bin`, { body: buffer })),
      stored: stored("a", "data/put-buffer.bin"),
    };
    const all = Buffer.concat(chunks);
    out.stream = {
      sent: { length: all.length, sha256: sha256(all) },
      response: await attempt(
        session.put(`${A}/data/put-stream.bin`, { body: Readable.from(chunks) }),
      ),
      stored: stored("a", "data/put-stream.bin"),
    };
    return out;
  },

  /** 3. A Range GET: 206 with exactly those bytes. */
  async range() {
    useEnv({ BEARER_TOKEN_FILE: world.tokenFiles.good });
    const session = new Session();
    const options = { headers: { range: "bytes=10-19" }, responseType: "buffer" };
    return attempt(session.get(`${A}/data/range.bin`, options));
  },

  /** 4. HEAD answers the size; DELETE removes the file. */
  async headAndDelete() {
    useEnv({ BEARER_TOKEN_FILE: world.tokenFiles.good });
    const session = new Session();
    const before = stored("a", "data/delete-me.txt");
    return {
      head: await attempt(session.head(`${A}/data/hello.txt`)),
      helloLength: Buffer.byteLength(world.hello),
      delete: await attempt(session.delete(`${A}/data/delete-me.txt`)),
      before,
      after: stored("a", "data/delete-me.txt"),
    };
  },

  /** 5. A token whose scope does not cover the path: 403, nothing written. */
  async scopeRefused() {
    useEnv({ BEARER_TOKEN_FILE: world.tokenFiles.publicOnly });
    const session = new Session();
    return {
      outside: await attempt(session.put(`${A}/data/private/denied.txt`, { body: "no\n" })),
      outsideStored: stored("a", "data/private/denied.txt"),
      inside: await attempt(session.put(`${A}/data/public/allowed.txt`, { body: "yes\n" })),
      insideStored: stored("a", "data/public/allowed.txt"),
      // XrdHttp refuses on the headers alone: a 16 MiB stream must end in that 403 (the
      // session asks first), not in a write to a closed connection.
      bigOutside: await attempt(
        session.put(`${A}/data/private/denied-big.bin`, {
          body: Readable.from(
            (function* () {
              for (let i = 0; i < 64; i++) yield randomBytes(256 * 1024);
            })(),
          ),
        }),
      ),
      bigOutsideStored: stored("a", "data/private/denied-big.bin"),
      bigInside: await attempt(
        session.put(`${A}/data/public/allowed-big.bin`, { body: Buffer.alloc(3 * 1024 * 1024, 5) }),
      ),
      bigInsideStored: stored("a", "data/public/allowed-big.bin"),
    };
  },

  /** 6. WLCG tokens: with the WLCG any-audience, and with the server's audience. */
  async wlcg() {
    const out = {};
    for (const name of ["wlcgAny", "wlcgAudience"]) {
      useEnv({ BEARER_TOKEN_FILE: world.tokenFiles[name] });
      const session = new Session();
      const body = `written with the ${name} token\n`;
      out[name] = {
        libraryAccepts: await libraryAccepts(world.tokens[name], undefined),
        get: await attempt(session.get(`${A}/data/hello.txt`)),
        put: await attempt(session.put(`${A}/data/wlcg/${name}.txt`, { body })),
        sent: { length: Buffer.byteLength(body), sha256: sha256(Buffer.from(body)) },
        stored: stored("a", `data/wlcg/${name}.txt`),
      };
    }
    return out;
  },

  /**
   * 6c. A WLCG token with `aud: ANY` comes first: scitokens-cpp refuses it, so discovery
   * must pass it over and send the next one.
   */
  async wlcgWithSciTokensAny() {
    useEnv({ SCITOKEN: world.tokens.wlcgAnySciTokens, BEARER_TOKEN_FILE: world.tokenFiles.good });
    return {
      libraryAccepts: await libraryAccepts(world.tokens.wlcgAnySciTokens, "read:/data/hello.txt"),
      response: await attempt(new Session().get(`${A}/data/hello.txt`)),
      // What xrootd makes of that token alone.
      alone: await attempt(
        new Session({ token: world.tokens.wlcgAnySciTokens }).get(`${A}/data/hello.txt`),
      ),
    };
  },

  /** 7. Proxies made by grid-proxy-init: alice is let in, bob and nobody are not. */
  async x509() {
    const url = `${A}/data/x509/alice.txt`;
    useEnv({});
    const explicit = new Session({ cert: world.alice.proxy });
    const explicitGet = await attempt(explicit.get(url));
    useEnv({ X509_USER_PROXY: world.alice.proxy });
    const discovered = new Session();
    const body = "written by alice's proxy\n";
    const discoveredPut = await attempt(discovered.put(`${A}/data/x509/from-alice.txt`, { body }));
    const discoveredCert = discovered.cert;
    useEnv({ X509_USER_PROXY: world.bob.proxy });
    const bob = await attempt(new Session().get(url));
    const defaultPath = await gridProxyInitDefault(url);
    useEnv({});
    const none = new Session();
    return {
      defaultPath,
      aliceDn: world.alice.dn,
      explicitGet,
      discoveredCert,
      discoveredPut,
      sent: { length: Buffer.byteLength(body), sha256: sha256(Buffer.from(body)) },
      stored: stored("a", "data/x509/from-alice.txt"),
      bob,
      noneCert: none.cert,
      none: await attempt(none.get(url)),
    };
  },

  /**
   * 8. A redirects /data/redir to B with the token in the Location (`?authz=Bearer%20…`);
   * the request fails at B. No token may show in anything the caller can see.
   */
  async redirect() {
    useEnv({ BEARER_TOKEN_FILE: world.tokenFiles.good });
    const url = `${A}/data/redir/missing.txt`;
    return {
      probe: await rawRedirect(url, world.tokens.good),
      ...(await failingRedirect(url)),
    };
  },

  /** 8b. The same, with the token put in the URL by the user (`?authz=Bearer%20…`). */
  async tokenInUrl() {
    useEnv({});
    const authz = encodeURIComponent(`Bearer ${world.tokens.good}`);
    return failingRedirect(`${A}/data/redir/missing.txt?authz=${authz}`);
  },

  /**
   * 10. `igwn-auth get --from-file LIST -d DIR -j 3`: the frames, three at a time on one
   * session, each checked against the adler32 XrdHttp states on Want-Digest. And what
   * XrdHttp 5.5 answers to the Want-Digest the command sends, and to an open-ended Range.
   */
  async getMany() {
    useEnv({ BEARER_TOKEN_FILE: world.tokenFiles.good });
    const frames = world.frames.filter((f) => f.name !== "big.gwf");
    const dir = mkdtempSync(join(tmpdir(), "igwn-get-"));
    const list = join(dir, "frames.txt");
    writeFileSync(
      list,
      `# as gw_data_find --url-type https prints them\n${frames.map((f) => `${A}${f.path}`).join("\n")}\n`,
    );
    const out = join(dir, "frames");
    const cli = await runCli(["get", "--from-file", list, "-d", out, "-j", "3"]);
    // What XrdHttp sends, byte for byte, now that it has computed the file's checksum.
    const path = frames[0].path;
    const token = world.tokens.good;
    return {
      cli,
      stored: storedFiles(out),
      heads: {
        wantDigest: await rawHead(path, token, {
          "Want-Digest": "adler32, crc32c;q=0.5, sha-256;q=0.3",
        }),
        closedRange: await rawHead(path, token, { Range: "bytes=100-199" }),
        openRange: await rawHead(path, token, { Range: "bytes=100-" }),
      },
      // The same closed Range through a Session, whose parser is Node's strict one.
      sessionRange: await attempt(
        new Session().get(`${A}${path}`, {
          headers: { range: "bytes=100-199" },
          responseType: "buffer",
        }),
      ),
      // Those bytes of the file as it is on the server, hex, to compare with the body.
      rangeBytes: readFileSync(join(world.a.export, path)).subarray(100, 200).toString("hex"),
    };
  },

  /**
   * 11. The network drops mid-file (a proxy resets the connection after 4 MiB): `igwn-auth
   * get` continues from what it has with a Range request to XrdHttp, and checks the whole
   * file against its adler32.
   */
  async getResumed() {
    useEnv({ BEARER_TOKEN_FILE: world.tokenFiles.good });
    const big = world.frames.find((f) => f.name === "big.gwf");
    const proxy = await cuttingProxy(Number(new URL(A).port), 4 * 1024 * 1024);
    const dir = mkdtempSync(join(tmpdir(), "igwn-resume-"));
    try {
      const cli = await runCli([
        "get",
        "--retry-delay",
        "0.1",
        "-d",
        dir,
        `https://127.0.0.1:${proxy.port}${big.path}`,
      ]);
      return { cli, connections: proxy.connections, stored: storedFiles(dir), size: big.size };
    } finally {
      await proxy.close();
    }
  },

  /** 9. B runs the README configuration: only `http.header2cgi Authorization authz`. */
  async minimalServer() {
    useEnv({ BEARER_TOKEN_FILE: world.tokenFiles.minimal });
    const session = new Session();
    return {
      config: world.b.config,
      response: await attempt(session.get(`${B}/data/minimal.txt`)),
      withoutToken: await attempt(session.get(`${B}/data/minimal.txt`, { forceNoauth: true })),
    };
  },
};

/**
 * A TCP proxy in front of `port` that resets its first connection (RST to the client) once
 * `cutAfter` bytes have gone from the server to the client: a network that drops mid-file.
 * TLS passes through untouched. Reports the bytes each connection carried to the client.
 */
async function cuttingProxy(port, cutAfter) {
  const connections = [];
  const server = createServer((client) => {
    const index = connections.length;
    const record = { toClient: 0, cut: false };
    connections.push(record);
    const upstream = connect(port, "127.0.0.1");
    client.on("error", () => undefined);
    upstream.on("error", () => client.destroy());
    client.pipe(upstream);
    upstream.on("data", (chunk) => {
      if (record.cut) return;
      record.toClient += chunk.length;
      client.write(chunk);
      if (index === 0 && record.toClient >= cutAfter) {
        // Stop forwarding, give the client a moment to read what it was sent, then reset.
        record.cut = true;
        upstream.destroy();
        setTimeout(() => client.resetAndDestroy(), 300);
      }
    });
    upstream.on("end", () => client.end());
    client.on("close", () => upstream.destroy());
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return {
    port: server.address().port,
    connections,
    close: () => new Promise((done) => server.close(done)),
  };
}

/**
 * The response head server A sends for GET `path` with `headers`, exactly as it arrives (a
 * raw TLS connection: no HTTP parser in between). The token goes in the request only.
 */
function rawHead(path, token, headers) {
  return new Promise((done) => {
    const { hostname, port } = new URL(A);
    const socket = tlsConnect({
      host: hostname,
      port: Number(port),
      ca: readFileSync(world.caFile),
      servername: undefined,
    });
    let bytes = Buffer.alloc(0);
    const finish = () => {
      const end = bytes.indexOf("\r\n\r\n");
      done(bytes.subarray(0, end < 0 ? Math.min(bytes.length, 2000) : end + 4).toString("latin1"));
      socket.destroy();
    };
    socket.on("secureConnect", () => {
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\n${lines.join("")}Connection: close\r\n\r\n`,
      );
    });
    socket.on("data", (chunk) => {
      bytes = Buffer.concat([bytes, chunk]);
      if (bytes.includes("\r\n\r\n")) finish();
    });
    socket.on("error", (err) => done(`error: ${err.message}`));
    socket.on("close", finish);
  });
}

/** Every file in `dir`, by name, with its length and sha256. */
function storedFiles(dir) {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir).map((name) => {
      const bytes = readFileSync(join(dir, name));
      return [name, { length: bytes.length, sha256: sha256(bytes) }];
    }),
  );
}

/**
 * As a user does: `grid-proxy-init` with no `-out` writes /tmp/x509up_u<uid>, where a plain
 * `new Session()` finds it. Only where the runner gave itself a private /tmp, and the file
 * is removed again before the next scenario.
 */
async function gridProxyInitDefault(url) {
  const path = `/tmp/x509up_u${process.getuid()}`;
  if (!world.privateTmp) return { skipped: "no private /tmp: the host's own file is there" };
  useEnv({});
  const made = spawnSync(
    "grid-proxy-init",
    ["-q", "-cert", world.alice.cert, "-key", world.alice.key, "-certdir", world.caDir],
    { encoding: "utf8" },
  );
  try {
    const session = new Session();
    return {
      status: made.status,
      stderr: made.stderr,
      path,
      cert: session.cert,
      get: await attempt(session.get(url)),
    };
  } finally {
    rmSync(path, { force: true });
  }
}

/**
 * GET `url` (redirected by A to B, where it fails) with a Session and with `igwn-auth get`,
 * and collect everything a caller could show of the failure.
 */
async function failingRedirect(url) {
  const session = new Session();
  // Evidence that the token went out and came back in the Location: a boolean, taken
  // before the library's error handling sees the response.
  const hops = [];
  const beforeRedirect = (_options, response) => {
    const location = String(response.headers.location ?? "");
    hops.push({
      status: response.statusCode,
      locationCarriesToken: location.includes(world.tokens.good),
    });
  };
  let error;
  try {
    await session.get(url, { hooks: { beforeRedirect: [beforeRedirect] } });
  } catch (err) {
    error = err;
  }
  const cli = await runCli(["get", url]);
  if (!error) return { hops, rejected: false, cli };
  const redirectUrls = (error.response?.redirectUrls ?? []).map(String);
  return {
    hops,
    rejected: true,
    kind: describeError(error).kind,
    status: error.response?.statusCode ?? null,
    redirectOrigins: redirectUrls.map((u) => new URL(u).origin),
    shown: {
      message: String(error.message),
      stack: String(error.stack),
      inspect: inspect(error),
      inspectDeep: inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      json: JSON.stringify(error),
      string: String(error),
      responseUrl: String(error.response?.url),
      redirectUrls: redirectUrls.join("\n"),
      requestUrl: String(error.request?.requestUrl ?? ""),
      optionsUrl: String(error.options?.url ?? ""),
    },
    cli,
  };
}

/** Ask A for `url` with the token in a canonical `Authorization` header; do not follow. */
function rawRedirect(url, token) {
  return new Promise((done) => {
    const req = httpsRequest(url, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      const location = res.headers.location ?? "";
      done({
        status: res.statusCode,
        locationOrigin: location ? new URL(location).origin : null,
        locationCarriesToken: location.includes(token),
        locationCarriesAuthz: /[?&]authz=Bearer(%20|\+)/.test(location),
      });
    });
    req.on("error", (err) => done({ error: String(err) }));
    req.end();
  });
}

/** `igwn-auth …` as a user runs it, with the debug log on. */
function runCli(args) {
  return runNode([world.cli, ...args], {
    env: { ...process.env, NODE_DEBUG: "igwn-auth" },
    timeoutMs: 15_000,
  });
}

/** The size of each server's log now, to cut out what a scenario made it log. */
function logMarks() {
  return Object.fromEntries(
    ["a", "b"].map((server) => [
      server,
      existsSync(world[server].log) ? statSync(world[server].log).size : 0,
    ]),
  );
}

/** What each server logged since `marks` (the last 60 lines each). */
function loggedSince(marks) {
  const out = {};
  for (const server of ["a", "b"]) {
    const text = readFileSync(world[server].log).subarray(marks[server]).toString("utf8");
    out[server] = text.split("\n").slice(-61).join("\n");
  }
  return out;
}

const results = {};
for (const [name, scenario] of Object.entries(scenarios)) {
  const started = Date.now();
  const marks = logMarks();
  try {
    results[name] = { ok: true, value: await scenario() };
  } catch (err) {
    results[name] = { ok: false, error: String(err?.stack ?? err) };
  }
  results[name].ms = Date.now() - started;
  results[name].logs = loggedSince(marks);
}
process.stdout.write(JSON.stringify(results));
