// The server side of the XRootD integration suite. xrootd.test.ts starts this script as
//
//   unshare --net --mount --pid --fork --kill-child --mount-proc -- node runner.mjs
//
// so it runs as root in private namespaces: a network namespace whose only interface is `lo`
// (xrootd cannot be told to listen on loopback only; here there is nothing else to listen
// on), a mount namespace (a private /tmp and a CA bundle bind-mounted for scitokens-cpp) and a
// PID namespace (when this script ends, the kernel ends every process it started, xrootd
// included, and the namespaces with them).
//
// It makes a PKI and a token issuer (the bundled fixtures of src/testing, from dist/), starts
// two xrootd 5 servers with XrdHttp over TLS, SciTokens authorization and X.509 (gridmap +
// authdb), makes X.509 proxies with the real grid-proxy-init, then runs client.mjs — the
// built library, as a user runs it — and prints one JSON report on stdout: what the client
// saw, and the tail of each server's log. Progress goes to stderr.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const HERE = import.meta.dirname;
const REPO = resolve(HERE, "../../..");
const DIST = join(REPO, "dist");

/** XrdHttp of server A; its xroot port is A_XROOT. */
const A_PORT = 8443;
const A_XROOT = 1094;
/** Server B serves xroot and XrdHttp on one port, so a redirect to host:port reaches it. */
const B_PORT = 2094;
const HOST = "127.0.0.1";
/** The audience the library asks for by default: scheme and host, no port. */
const HOST_AUDIENCE = `https://${HOST}`;

const log = (...parts) => process.stderr.write(`runner: ${parts.join(" ")}\n`);

function run(command, args, options = {}) {
  return execFileSync(command, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    ...options,
  });
}

// -- the namespace ------------------------------------------------------------------------

function setUpNamespace() {
  if (process.getuid?.() !== 0) throw new Error("runner.mjs must run as root (in a namespace)");
  const links = run("ip", ["-o", "link", "show"]);
  const names = links
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(":")[1]?.trim());
  if (names.length !== 1 || names[0] !== "lo") {
    throw new Error(`not in a private network namespace: interfaces ${names.join(", ")}`);
  }
  run("ip", ["link", "set", "lo", "up"]);
  // A private /tmp: whatever lands there (a stray /tmp/x509up_u0 or /tmp/bt_u0, xrootd's
  // files) is never seen by the host and vanishes with the namespace; and the library's
  // last-resort discovery paths hold nothing of the host's. A repository that itself lives
  // under /tmp (a fresh clone in CI) is carried over: held on /mnt (hidden in this mount
  // namespace only) while the tmpfs goes on, then put back at its own path.
  const underTmp = `${REPO}/`.startsWith("/tmp/");
  if (underTmp && !existsSync("/mnt")) return { privateTmp: false };
  if (underTmp) run("mount", ["--bind", REPO, "/mnt"]);
  run("mount", ["-t", "tmpfs", "-o", "mode=1777,size=256m", "igwn-xrootd", "/tmp"]);
  if (underTmp) {
    mkdirSync(REPO, { recursive: true });
    run("mount", ["--move", "/mnt", REPO]);
  }
  return { privateTmp: true };
}

/**
 * scitokens-cpp fetches issuer keys with libcurl's built-in CA bundle, and no environment
 * variable changes that: bind-mount a bundle that also holds the test CA over it, in this
 * mount namespace only.
 */
function trustInLibcurl(work, caPem) {
  const candidates = [
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu
    "/etc/pki/tls/certs/ca-bundle.crt", // RHEL, Fedora, Alma
    "/etc/ssl/ca-bundle.pem", // SUSE
  ];
  const mounted = [];
  for (const target of candidates) {
    if (!existsSync(target)) continue;
    const bundle = join(work, `bundle-${mounted.length}.crt`);
    writeFileSync(bundle, `${readFileSync(target, "utf8")}\n${caPem}`, { mode: 0o644 });
    run("mount", ["--bind", bundle, target]);
    mounted.push(target);
  }
  if (mounted.length === 0) throw new Error("found no system CA bundle to extend for libcurl");
  return mounted;
}

// -- files for nobody ---------------------------------------------------------------------

const NOBODY = (() => {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("nobody:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined) throw new Error("no user 'nobody' in /etc/passwd");
  return { uid: Number(uid), gid: Number(gid) };
})();

/** A directory xrootd (running as nobody) owns. */
function nobodyDir(path) {
  mkdirSync(path, { recursive: true, mode: 0o755 });
  chownSync(path, NOBODY.uid, NOBODY.gid);
  return path;
}

/** A file xrootd (as nobody) owns; `mode` 600 for its private key (it refuses looser ones). */
function nobodyFile(path, content, mode = 0o644) {
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  chownSync(path, NOBODY.uid, NOBODY.gid);
  return path;
}

/** A credential file for the client (root), mode 600 as htgettoken writes them. */
function secretFile(path, content) {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

// -- X.509 --------------------------------------------------------------------------------

/** The DN as gridmap files spell it: `/DC=org/DC=cilogon/C=US/O=LIGO/CN=…`. */
function gridDn(certFile) {
  const out = run("openssl", ["x509", "-in", certFile, "-noout", "-subject", "-nameopt", "compat"]);
  return out.trim().replace(/^subject=\s*/, "");
}

/** A proxy made by the real grid-proxy-init from a user certificate and key. */
function gridProxyInit(dir, name, user, certDir) {
  const cert = secretFile(join(dir, `${name}-usercert.pem`), user.certPem);
  const key = secretFile(join(dir, `${name}-userkey.pem`), user.keyPem);
  const out = join(dir, `${name}-proxy.pem`);
  const result = spawnSync(
    "grid-proxy-init",
    ["-q", "-rfc", "-cert", cert, "-key", key, "-certdir", certDir, "-out", out, "-valid", "1:00"],
    { encoding: "utf8", env: { PATH: process.env.PATH, HOME: dir, X509_CERT_DIR: certDir } },
  );
  if (result.status !== 0) {
    throw new Error(`grid-proxy-init failed (${result.status}): ${result.stderr}${result.stdout}`);
  }
  return { cert, key, proxy: out, dn: gridDn(cert) };
}

// -- xrootd -------------------------------------------------------------------------------

function serverDirs(work, name) {
  const root = join(work, name);
  return {
    root,
    export: nobodyDir(join(root, "export")),
    admin: nobodyDir(join(root, "admin")),
    run: nobodyDir(join(root, "run")),
    home: nobodyDir(join(root, "home")),
    logs: nobodyDir(join(root, "logs")),
    cache: nobodyDir(join(root, "cache")),
  };
}

function scitokensConfig(path, { audience, issuer, trace }) {
  const lines = [
    "[Global]",
    `audience = ${audience}`,
    "",
    "[Issuer test]",
    `issuer = ${issuer}`,
    "base_path = /",
    "default_user = nobody",
    "",
  ];
  nobodyFile(path, lines.join("\n"));
  return { path, trace };
}

/** Start xrootd `name` with `config` as nobody and wait until it says it is ready. */
async function startXrootd(name, dirs, config) {
  const configFile = nobodyFile(join(dirs.root, "xrootd.cfg"), `${config.join("\n")}\n`);
  const logFile = join(dirs.logs, name, "xrootd.log");
  const child = spawn(
    "xrootd",
    ["-R", "nobody", "-n", name, "-c", configFile, "-l", join(dirs.logs, "xrootd.log")],
    {
      cwd: dirs.home,
      // scitokens-cpp keeps its key cache under $XDG_CACHE_HOME of the user xrootd runs as.
      env: { PATH: process.env.PATH, HOME: dirs.home, XDG_CACHE_HOME: dirs.cache, LANG: "C" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text) => {
    stderr += text;
  });
  let exited = null;
  child.once("exit", (code, signal) => {
    exited = { code, signal };
  });
  const server = { name, child, configFile, logFile, config: config.join("\n") };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const text = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
    if (/------ xrootd \S+ initialization completed/.test(text)) return server;
    if (exited || /initialization failed/.test(text)) {
      throw new Error(`xrootd ${name} did not start: ${JSON.stringify(exited)}\n${text}${stderr}`);
    }
    await sleep(50);
  }
  throw new Error(`xrootd ${name} not ready after 15 s:\n${readLog(server, 40)}${stderr}`);
}

function readLog(server, lines = 80) {
  if (!existsSync(server.logFile)) return "";
  const all = readFileSync(server.logFile, "utf8").split("\n");
  const done = all.findIndex((line) => /initialization completed/.test(line));
  return all.slice(Math.max(done, all.length - lines)).join("\n");
}

async function stopXrootd(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((done) => server.child.once("exit", done));
  server.child.kill("SIGTERM");
  const stopped = await Promise.race([exited.then(() => true), sleep(2000).then(() => false)]);
  if (!stopped) server.child.kill("SIGKILL");
}

// -- the world ----------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const { privateTmp } = setUpNamespace();
  const work = mkdtempSync(join(tmpdir(), "igwn-xrootd-"));
  chmodSync(work, 0o755);

  const { testPki } = await import(join(DIST, "dev/testing/pki.js"));
  const { startIssuer } = await import(join(DIST, "dev/testing/issuer.js"));
  const { issueUserCertificate, testUserCa } = await import(join(DIST, "dev/testing/x509-pki.js"));

  // One CA signs the issuer's and both servers' TLS certificates; another issues users.
  const pki = testPki();
  const userCa = testUserCa();
  const caFile = secretFile(join(work, "ca.pem"), `${pki.ca.certPem}${userCa.certPem}`);
  chmodSync(caFile, 0o644);
  const libcurlBundles = trustInLibcurl(work, pki.ca.certPem);
  const tls = nobodyDir(join(work, "tls"));
  const serverCert = nobodyFile(join(tls, "server.pem"), pki.server.certPem);
  const serverKey = nobodyFile(join(tls, "server.key"), pki.server.keyPem, 0o600);
  const caDir = nobodyDir(join(work, "certificates"));
  nobodyFile(join(caDir, "igwn-test-ca.pem"), pki.ca.certPem);
  nobodyFile(join(caDir, "igwn-test-user-ca.pem"), userCa.certPem);
  run("openssl", ["rehash", caDir]);

  const issuer = await startIssuer();
  const otherIssuer = await startIssuer();
  const servers = [];
  try {
    // Users: alice is in the gridmap and granted /data/x509 by the authdb; bob is in the
    // gridmap, granted nothing.
    const client = join(work, "client");
    mkdirSync(client, { mode: 0o700 });
    const alice = gridProxyInit(
      client,
      "alice",
      issueUserCertificate({ commonName: "Alice Example alice@ligo.org", freshKey: true }),
      caDir,
    );
    const bob = gridProxyInit(
      client,
      "bob",
      issueUserCertificate({ commonName: "Bob Example bob@ligo.org", freshKey: true }),
      caDir,
    );

    const a = serverDirs(work, "a");
    const b = serverDirs(work, "b");
    const aOrigin = `https://${HOST}:${A_PORT}`;
    const bOrigin = `https://${HOST}:${B_PORT}`;

    // Server A: SciTokens first, then the authdb (X.509 users through the gridmap);
    // /data/redir is redirected to B.
    const aScitokens = join(a.root, "scitokens.cfg");
    // Both audience forms deployments use: with the port, and the bare origin.
    scitokensConfig(aScitokens, { audience: `${aOrigin}, ${HOST_AUDIENCE}`, issuer: issuer.url });
    nobodyFile(join(a.root, "grid-mapfile"), `"${alice.dn}" alice\n"${bob.dn}" bob\n`);
    nobodyFile(join(a.root, "authdb"), "u alice /data/x509 a\n");
    const aConfig = [
      "all.export /data",
      `oss.localroot ${a.export}`,
      `all.adminpath ${a.admin}`,
      `all.pidpath ${a.run}`,
      `xrd.homepath ${a.home}`,
      `xrd.port ${A_XROOT}`,
      `xrd.protocol XrdHttp:${A_PORT} libXrdHttp.so`,
      `xrd.tls ${serverCert} ${serverKey}`,
      `xrd.tlsca certdir ${caDir}`,
      "ofs.authorize 1",
      `acc.authdb ${join(a.root, "authdb")}`,
      `ofs.authlib ++ libXrdAccSciTokens.so config=${aScitokens}`,
      "http.header2cgi Authorization authz",
      `http.gridmap ${join(a.root, "grid-mapfile")}`,
      `xrootd.redirect ${HOST}:${B_PORT} /data/redir`,
      // Without it XrdHttp 5.5 sends https clients to http:// on a redirect.
      "http.desthttps yes",
      "scitokens.trace all",
      // Checksums for Want-Digest (what `igwn-auth get` asks for): adler32, as the grid does.
      "xrootd.chksum adler32",
    ];

    // Server B: the configuration of the xrootd-scitokens README, nothing more (besides the
    // paths, the port and TLS): SciTokens only, and the one documented header line.
    const bScitokens = join(b.root, "scitokens.cfg");
    scitokensConfig(bScitokens, { audience: `${bOrigin}, ${HOST_AUDIENCE}`, issuer: issuer.url });
    const bConfig = [
      "all.export /data",
      `oss.localroot ${b.export}`,
      `all.adminpath ${b.admin}`,
      `all.pidpath ${b.run}`,
      `xrd.homepath ${b.home}`,
      `xrd.port ${B_PORT}`,
      "xrd.protocol XrdHttp libXrdHttp.so",
      `xrd.tls ${serverCert} ${serverKey}`,
      `xrd.tlsca certdir ${caDir}`,
      "ofs.authorize",
      `ofs.authlib libXrdAccSciTokens.so config=${bScitokens}`,
      "http.header2cgi Authorization authz",
    ];

    // What the servers hold before the client starts.
    const hello = "Hello from XRootD: a frame file stand-in.\n";
    const rangeBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const dir of ["", "/public", "/private", "/wlcg", "/x509", "/redir", "/frames"]) {
      nobodyDir(join(a.export, "data", dir));
    }
    nobodyDir(join(b.export, "data", "redir"));
    nobodyFile(join(a.export, "data/hello.txt"), hello);
    nobodyFile(join(a.export, "data/range.bin"), rangeBytes);
    nobodyFile(join(a.export, "data/delete-me.txt"), "delete me\n");
    nobodyFile(join(a.export, "data/x509/alice.txt"), "for alice only\n");
    nobodyFile(join(b.export, "data/minimal.txt"), "served by the minimal configuration\n");
    // Frame file stand-ins for `igwn-auth get`: random bytes, their sha256 and the adler32
    // the real xrdadler32 computes.
    const frames = [];
    const frameSizes = [1, 2, 3, 1, 2, 3].map((mib, i) => mib * 1024 * 1024 + i * 4099);
    for (const [i, size] of [...frameSizes, 12 * 1024 * 1024].entries()) {
      const name = i < frameSizes.length ? `H-H1_TEST-${1368975618 + i * 64}-64.gwf` : "big.gwf";
      const file = nobodyFile(join(a.export, "data/frames", name), randomBytes(size));
      frames.push({
        name,
        path: `/data/frames/${name}`,
        size,
        sha256: createHash("sha256").update(readFileSync(file)).digest("hex"),
        adler32: run("xrdadler32", [file]).trim().split(/\s+/)[0],
      });
    }

    const [serverA, serverB] = await Promise.all([
      startXrootd("a", a, aConfig),
      startXrootd("b", b, bConfig),
    ]);
    servers.push(serverA, serverB);
    log(`xrootd a and b ready after ${Date.now() - started} ms`);

    // Tokens. The library must pick the right one by audience, scope and issuer.
    const scitoken = (claims) => issuer.mint({ sub: "albert.einstein", ...claims });
    const wlcg = (claims) =>
      issuer.mint({ ver: undefined, "wlcg.ver": "1.0", sub: "albert.einstein", ...claims });
    const tokens = {
      good: await scitoken({ aud: HOST_AUDIENCE, scope: "read:/data write:/data" }),
      // An audience with the port, as XRootD deployments often configure it.
      withPort: await scitoken({ aud: aOrigin, scope: "read:/data" }),
      wrongAudience: await scitoken({ aud: "https://datafind.example.org", scope: "read:/data" }),
      wrongScope: await scitoken({ aud: HOST_AUDIENCE, scope: "read:/elsewhere" }),
      otherIssuer: await otherIssuer.mint({ aud: HOST_AUDIENCE, scope: "read:/data write:/data" }),
      publicOnly: await scitoken({
        aud: HOST_AUDIENCE,
        scope: "read:/data/public write:/data/public",
      }),
      wlcgAny: await wlcg({
        aud: "https://wlcg.cern.ch/jwt/v1/any",
        scope: "storage.read:/data storage.create:/data/wlcg",
      }),
      wlcgAudience: await wlcg({
        aud: HOST_AUDIENCE,
        scope: "storage.read:/data storage.create:/data/wlcg",
      }),
      // `ANY` is the SciTokens any-audience: scitokens-cpp refuses it in a WLCG token.
      wlcgAnySciTokens: await wlcg({ aud: "ANY", scope: "storage.read:/data" }),
      minimal: await scitoken({ aud: HOST_AUDIENCE, scope: "read:/data/minimal.txt" }),
    };
    const tokenFiles = {};
    for (const [name, token] of Object.entries(tokens)) {
      tokenFiles[name] = secretFile(join(client, `token-${name}`), `${token}\n`);
    }
    const condorCreds = join(client, "condor-creds");
    mkdirSync(condorCreds, { mode: 0o700 });
    secretFile(join(condorCreds, "igwn.use"), tokens.otherIssuer);

    const world = {
      issuer: issuer.url,
      otherIssuer: otherIssuer.url,
      a: { origin: aOrigin, export: a.export, log: serverA.logFile, config: serverA.config },
      b: { origin: bOrigin, export: b.export, log: serverB.logFile, config: serverB.config },
      hello,
      frames,
      tokens,
      tokenFiles,
      condorCreds,
      alice,
      bob,
      caFile,
      caDir,
      privateTmp,
      cli: join(DIST, "cli/main.js"),
    };
    for (const dir of ["home", "run", "cache"]) mkdirSync(join(client, dir), { mode: 0o700 });
    const worldFile = secretFile(join(work, "world.json"), JSON.stringify(world));

    const outcome = await runClient(worldFile, client, caFile);
    const report = {
      ok: outcome.code === 0,
      seconds: (Date.now() - started) / 1000,
      versions: versions(),
      privateTmp,
      libcurlBundles,
      world,
      client: outcome,
      logs: { a: readLog(serverA), b: readLog(serverB) },
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await Promise.allSettled(servers.map(stopXrootd));
    await Promise.allSettled([issuer.close(), otherIssuer.close()]);
  }
}

/** Run client.mjs with an environment of its own: every credential path in `client`. */
async function runClient(worldFile, client, caFile) {
  const env = {
    PATH: process.env.PATH,
    LANG: "C",
    HOME: join(client, "home"),
    XDG_RUNTIME_DIR: join(client, "run"),
    XDG_CACHE_HOME: join(client, "cache"),
    NETRC: join(client, "home", ".netrc"),
    // The client trusts the test CA as a user would tell Node to: the servers' and the
    // token issuer's certificates are signed by it.
    NODE_EXTRA_CA_CERTS: caFile,
  };
  const { runNode } = await import(join(DIST, "dev/testing/child-process.js"));
  const { code, signal, stdout, stderr } = await runNode([join(HERE, "client.mjs"), worldFile], {
    env,
    timeoutMs: 40_000,
  });
  let results = null;
  try {
    results = JSON.parse(stdout);
  } catch {
    // reported below as the raw output
  }
  return { code, signal, results, stdout: results ? "" : stdout, stderr };
}

/** What ran: xrootd's own version, and the Debian packages where dpkg knows them. */
function versions() {
  const xrootd = spawnSync("xrootd", ["-v"], { encoding: "utf8" });
  const packages = spawnSync(
    "dpkg-query",
    ["-W", "xrootd-server", "libscitokens0", "globus-proxy-utils"],
    { encoding: "utf8" },
  );
  return {
    xrootd: `${xrootd.stdout}${xrootd.stderr}`.trim(),
    packages:
      packages.status === 0
        ? packages.stdout
            .trim()
            .split("\n")
            .map((l) => l.replace("\t", " "))
        : [],
    node: process.version,
  };
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ ok: false, error: String(err?.stack ?? err) })}\n`);
  process.exitCode = 1;
});
