// A small world for the CLI tests: a token issuer and an HTTPS service on loopback, a CA
// file the child trusts, a token file and a proxy file in a temp folder, and a way to
// run `node dist/cli/main.js` as a child process against them.
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { runNode } from "../../src/testing/child-process.js";
import { tempDir } from "../helpers/env.js";
import { startServer, type TestServer } from "../helpers/https-server.js";
import { startIssuer, type TestIssuer } from "../helpers/issuer.js";
import { testPki } from "../helpers/pki.js";
import {
  issueProxyCertificate,
  issueUserCertificate,
  testUserCa,
  writeCredentialFile,
  writeProxyFile,
} from "../helpers/x509-pki.js";
import { type FileServer, startFileServer } from "./file-server.js";

export const CLI = resolve(import.meta.dirname, "../../dist/cli/main.js");

/** Bytes of the big body, and the chunk it is made of. */
export const BIG_BYTES = 50 * 1024 * 1024;
const CHUNK = 64 * 1024;

/** The chunk the big body repeats, with its index mixed in so order matters. */
function bigChunk(index: number): Buffer {
  const chunk = Buffer.alloc(CHUNK, index % 251);
  chunk.writeUInt32BE(index, 0);
  return chunk;
}

/** The sha256 of the big body, computed the way the server sends it. */
export function bigBodySha256(): string {
  const hash = createHash("sha256");
  for (let i = 0; i < BIG_BYTES / CHUNK; i++) hash.update(bigChunk(i));
  return hash.digest("hex");
}

export interface CliWorld {
  readonly issuer: TestIssuer;
  readonly server: TestServer;
  readonly dir: string;
  /** The CA that signed both servers' certificates, as a file. */
  readonly caFile: string;
  /** A token for the service's audience with scope read:/data. */
  readonly token: string;
  readonly tokenFile: string;
  readonly proxyFile: string;
  /** The proxy's private key PEM (a secret no output may show). */
  readonly proxyKeyPem: string;
  readonly userCommonName: string;
  /** Env for a child that finds both credentials and trusts the CA. */
  readonly env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/**
 * The service: `/data` answers what it received (whether a bearer token came, which
 * client certificate), `/missing` is 404, `/big` streams {@link BIG_BYTES} (or `?mib=N`
 * MiB) generated on the fly, with backpressure; `/stall` sends 1 MiB of 10 and stops.
 */
function serve(server: TestServer): void {
  server.handle(async (req, res, recorded) => {
    const path = new URL(req.url ?? "/", "https://x").pathname;
    if (path === "/missing") {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not here");
      return;
    }
    if (path === "/forbidden") {
      res.writeHead(403, {
        "www-authenticate": 'Bearer error="insufficient_scope", scope="read:/frames/O4"',
      });
      res.end("forbidden");
      return;
    }
    if (path === "/unauthorized") {
      res.writeHead(401, { "www-authenticate": 'Bearer realm="data", error="invalid_token"' });
      res.end("unauthorized");
      return;
    }
    if (path === "/stall") {
      // Headers and 1 MiB of a promised 10 MiB, then nothing until the client gives up.
      res.writeHead(200, { "content-length": String(10 * 1024 * 1024) });
      res.write(Buffer.alloc(1024 * 1024, 1));
      await new Promise((done) => res.once("close", done));
      return;
    }
    if (path === "/big") {
      const mib = Number(new URL(req.url ?? "/", "https://x").searchParams.get("mib") ?? 50);
      const bytes = mib * 1024 * 1024;
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": String(bytes),
      });
      for (let i = 0; i < bytes / CHUNK; i++) {
        if (res.destroyed) return;
        if (!res.write(bigChunk(i))) {
          await new Promise<void>((done) => {
            // Whichever comes first; the other listener goes too, or they pile up per drain.
            const settle = () => {
              res.off("drain", settle);
              res.off("close", settle);
              done();
            };
            res.once("drain", settle);
            res.once("close", settle);
          });
        }
      }
      res.end();
      return;
    }
    const authorization = recorded.headers.authorization;
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        path,
        bearer: typeof authorization === "string" && authorization.startsWith("Bearer "),
        basic: typeof authorization === "string" && authorization.startsWith("Basic "),
        clientChain: recorded.clientChain,
        extra: recorded.headers["x-extra"] ?? null,
      }),
    );
  });
}

export async function startWorld(): Promise<CliWorld> {
  const issuer = await startIssuer();
  const server = await startServer({ requestCert: true, clientCa: [testUserCa().certPem] });
  serve(server);
  const dir = tempDir("cli-");
  const caFile = writeCredentialFile(dir, "ca.pem", testPki().ca.certPem);
  const token = await issuer.mint({ aud: "https://127.0.0.1", scope: "read:/data" });
  const tokenFile = writeCredentialFile(dir, "token", `${token}\n`);
  const userCommonName = "Albert Einstein albert.einstein@ligo.org";
  const user = issueUserCertificate({ commonName: userCommonName });
  const proxy = issueProxyCertificate(user);
  const proxyFile = writeProxyFile(dir, proxy, [user]);
  const env = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: caFile,
    BEARER_TOKEN_FILE: tokenFile,
    X509_USER_PROXY: proxyFile,
  };
  return {
    issuer,
    server,
    dir,
    caFile,
    token,
    tokenFile,
    proxyFile,
    proxyKeyPem: proxy.keyPem,
    userCommonName,
    env,
    async close() {
      await Promise.all([issuer.close(), server.close()]);
    },
  };
}

/** Env with no credential at all (still trusting the CA). */
export function bareEnv(world: CliWorld): NodeJS.ProcessEnv {
  const { BEARER_TOKEN_FILE: _t, X509_USER_PROXY: _p, ...rest } = world.env;
  return rest;
}

export interface CliResult {
  code: number | null;
  /** The signal that ended the child, if one did. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the child in bytes, when sampled (Linux only). */
  peakRss?: number;
}

/** The peak resident memory of a process so far (VmHWM), in bytes; Linux only. */
function peakRssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
    return Number.isFinite(kib) && kib > 0 ? kib * 1024 : undefined;
  } catch {
    return undefined; // not Linux, or the child has just exited
  }
}

/** Run the CLI with `args`; with `sampleRss`, sample the child's peak resident memory. */
export async function runCli(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    sampleRss?: boolean;
    timeoutMs?: number;
    /** Flags for node itself, before the script. */
    nodeArgs?: string[];
    /** Called with the child once it is started (to signal it, say). */
    onSpawn?: (child: ChildProcess) => void;
    /** Text for the child's stdin. */
    input?: string;
  } = {},
): Promise<CliResult> {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  }
  let peakRss: number | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const outcome = await runNode([...(options.nodeArgs ?? []), CLI, ...args], {
    ...(options.env ? { env: options.env } : {}),
    timeoutMs: options.timeoutMs ?? 15_000,
    ...(options.input !== undefined ? { input: options.input } : {}),
    onSpawn(child) {
      options.onSpawn?.(child);
      if (!options.sampleRss) return;
      sampler = setInterval(() => {
        const rss = child.pid === undefined ? undefined : peakRssOf(child.pid);
        if (rss !== undefined) peakRss = Math.max(peakRss ?? 0, rss);
      }, 10);
    },
  }).finally(() => clearInterval(sampler));
  return { ...outcome, ...(peakRss !== undefined ? { peakRss } : {}) };
}

/** stderr without the warning lines (the X.509 retirement notice comes with every proxy). */
export function errors(result: CliResult): string {
  return result.stderr
    .split("\n")
    .filter((line) => !/^igwn-auth: \w*Warning: /.test(line))
    .join("\n");
}

/** The path of a file in the world's folder. */
export function inWorld(world: CliWorld, name: string): string {
  return join(world.dir, name);
}

/**
 * A CLI world and a file server, started before the tests of a file (handed to `ready`) and
 * closed after them: what every download test file needs.
 */
export function useDownloadWorld(ready: (world: CliWorld, files: FileServer) => void): void {
  let world: CliWorld | undefined;
  let files: FileServer | undefined;
  beforeAll(async () => {
    [world, files] = await Promise.all([startWorld(), startFileServer()]);
    ready(world, files);
  });
  afterAll(async () => {
    await Promise.all([world?.close(), files?.close()]);
  });
}
