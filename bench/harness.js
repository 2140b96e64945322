// The benchmark's set-up, shared by bench/run.js and bench/profile.js: an isolated
// environment with fresh credentials, the HTTPS service in its own process, and the rows —
// each a client function checked to send exactly the credential it should.
import { fork } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { Agent } from "node:https";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isolateEnvironment, makeFixtures, NETRC_LOGIN, NETRC_PASSWORD } from "./fixtures.js";

/**
 * The build measured: `dist/` of this repository, or BENCH_DIST (a folder holding another
 * build, e.g. a candidate change, whose imports resolve to this repository's node_modules).
 */
export const dist = process.env.BENCH_DIST
  ? pathToFileURL(`${resolve(process.env.BENCH_DIST)}/`)
  : new URL("../dist/", import.meta.url);

/** A row's `/echo` twin: what the server saw from one of its requests. */
async function echo(row) {
  const res = await row.get(row.url.replace(/\/[a-z]+$/, "/echo"));
  return JSON.parse(res.body);
}

export async function startBench() {
  // The X.509 retirement warning is printed once per process; it says nothing about speed.
  process.noDeprecation = true;
  const root = isolateEnvironment();
  process.on("exit", () => rmSync(root, { recursive: true, force: true }));
  const fx = await makeFixtures(root, dist);
  const { default: got } = await import("got");
  const pkg = await import(new URL("index.js", dist));
  const { ScitokenDiscovery } = await import(new URL("dev/scitokens/discovery-cache.js", dist));

  const server = fork(fileURLToPath(new URL("server.js", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: [], // profile or debug flags given to the client are not the server's
  });
  server.send(fx.serverTls);
  const [{ plainPort, mtlsPort }] = await once(server, "message");
  const origin = `https://127.0.0.1:${plainPort}`;
  // D on `localhost`: the netrc file has an entry for 127.0.0.1 only, so the X.509 session
  // (token: false, hence netrc) sends nothing but its certificate.
  const mtlsOrigin = `https://localhost:${mtlsPort}`;

  /** How much of a core the server used, and how many connections it accepted, since the last call. */
  async function serverCpu() {
    const reply = once(server, "message");
    server.send("cpu");
    const [{ cpu, connections }] = await reply;
    return { cpu, connections };
  }

  // Every client, baseline or Session, has its own keep-alive agent with the same settings
  // and trusts the test CA the same way: the only difference left is the auth.
  const common = () => ({
    https: { certificateAuthority: fx.caPem },
    agent: { https: new Agent({ keepAlive: true }) },
  });
  const basic = `Basic ${Buffer.from(`${NETRC_LOGIN}:${NETRC_PASSWORD}`).toString("base64")}`;

  function gotClient(options) {
    const instance = got.extend(common(), options);
    return (url) => instance.get(url);
  }
  function sessionClient(options, build = pkg) {
    const session = new build.Session({ ...common(), ...options });
    return Object.assign((url) => session.get(url), { session });
  }

  const baselines = {
    A: {
      id: "A",
      what: "plain got, fixed `Authorization: Bearer`",
      url: `${origin}/bearer`,
      get: gotClient({ headers: { authorization: `Bearer ${fx.token}` } }),
      expect: { authorization: `Bearer ${fx.token}`, clientCertificate: "" },
    },
    D0: {
      id: "D0",
      what: "plain got, same `https.certificate`/`key` (proxy chain)",
      url: `${mtlsOrigin}/mtls`,
      get: gotClient({ https: { certificate: fx.proxyChainPem, key: fx.proxyKeyPem } }),
      expect: { authorization: "", clientCertificate: fx.proxyCommonName },
    },
    E0: {
      id: "E0",
      what: "plain got, fixed `Authorization: Basic`",
      url: `${origin}/basic`,
      get: gotClient({ headers: { authorization: basic } }),
      expect: { authorization: basic, clientCertificate: "" },
    },
  };

  /** The Session rows, made with a build's Session (ids get `suffix`, e.g. for a candidate). */
  function sessionRows(build = pkg, suffix = "") {
    return {
      B: {
        id: `B${suffix}`,
        what: "Session, explicit token",
        baseline: "A",
        url: `${origin}/bearer`,
        get: sessionClient({ token: fx.token }, build),
        expect: { authorization: `Bearer ${fx.token}`, clientCertificate: "" },
      },
      C: {
        id: `C${suffix}`,
        what: "Session, token discovered per request from `$BEARER_TOKEN_FILE`",
        baseline: "A",
        url: `${origin}/bearer`,
        get: sessionClient({ tokenVerification: { ca: fx.issuer.ca } }, build),
        expect: { authorization: `Bearer ${fx.token}`, clientCertificate: "" },
      },
      D: {
        id: `D${suffix}`,
        what: "Session, X.509 proxy over mTLS (`cert: path, token: false`)",
        baseline: "D0",
        url: `${mtlsOrigin}/mtls`,
        get: sessionClient({ cert: fx.proxyPath, token: false }, build),
        expect: { authorization: "", clientCertificate: fx.proxyCommonName },
      },
      E: {
        id: `E${suffix}`,
        what: "Session, netrc basic auth (`token: false`)",
        baseline: "E0",
        url: `${origin}/basic`,
        get: sessionClient({ token: false }, build),
        expect: { authorization: basic, clientCertificate: "" },
      },
    };
  }

  /** Fail unless the server saw exactly the credential each row is meant to send. */
  async function check(rows) {
    for (const row of rows) {
      const seen = await echo(row);
      for (const [name, value] of Object.entries(row.expect)) {
        if (seen[name] !== value) {
          throw new Error(`row ${row.id}: server saw ${name} ${JSON.stringify(seen[name])}`);
        }
      }
    }
  }

  const own = sessionRows();
  const rows = [baselines.A, own.B, own.C, baselines.D0, own.D, baselines.E0, own.E];
  await check(rows);

  async function stop() {
    server.send("stop");
    await once(server, "exit");
    await fx.issuer.close();
  }

  return {
    fx,
    got,
    pkg,
    ScitokenDiscovery,
    rows,
    byId: Object.fromEntries(rows.map((r) => [r.id, r])),
    origin,
    mtlsOrigin,
    echo,
    serverCpu,
    serverPid: server.pid,
    sessionClient,
    sessionRows,
    baselines,
    check,
    stop,
  };
}
