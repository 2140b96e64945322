// 1 000 requests in flight on one Session while another thread renews the bearer token file
// every few milliseconds, the way htgettoken and HTCondor do (write a temporary file, rename
// it over the old one). Zero failures; every request carries one complete, valid token; and
// discovery reads a token once per change on disk, not once per request.
//
// got runs the auth hooks of all 1 000 requests at once, before the agent queues them; so
// that discovery also runs while the file is being replaced, the server answers each
// request, after a short random wait, with a same-origin redirect — and every redirect hop
// discovers its token again.
import { Agent } from "node:https";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScitokenStrategy, Session } from "../../src/index.js";
import { ScitokenDiscovery } from "../../src/scitokens/discovery-cache.js";
import { restoreEnv, setEnv, tempDir } from "../helpers/env.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";
import { LeakWatch } from "./fixtures/leaks.js";
import { localSigner, replaceAtomically } from "./fixtures/tokens.js";

const REQUESTS = 1000;
const POOL = 300;
const WRITE_EVERY_MS = 5;

// The renewer runs on a thread of its own so that the request storm cannot slow it down.
const RENEWER = `
const { renameSync, writeFileSync } = require("node:fs");
const { workerData } = require("node:worker_threads");
const { path, tokens, shared } = workerData;
const state = new Int32Array(shared); // [stop, writes]
const nap = new Int32Array(new SharedArrayBuffer(4));
for (let i = 0; Atomics.load(state, 0) === 0; i++) {
  const temp = path + ".tmp-" + i;
  writeFileSync(temp, tokens[i % tokens.length] + "\\n", { mode: 0o600 });
  renameSync(temp, path);
  Atomics.add(state, 1, 1);
  Atomics.wait(nap, 0, 0, ${WRITE_EVERY_MS});
}
`;

/** Start renewing `path` with `tokens`; stop() resolves to the number of renewals. */
function startRenewer(
  path: string,
  tokens: string[],
): { stop(): Promise<number>; writes(): number } {
  const shared = new SharedArrayBuffer(8);
  const state = new Int32Array(shared);
  const worker = new Worker(RENEWER, { eval: true, workerData: { path, tokens, shared } });
  const exited = new Promise<void>((resolve, reject) => {
    worker.once("exit", () => resolve());
    worker.once("error", reject);
  });
  return {
    writes: () => Atomics.load(state, 1),
    async stop() {
      Atomics.store(state, 0, 1);
      await exited;
      return Atomics.load(state, 1);
    },
  };
}

const leaks = new LeakWatch();
let server: TestServer;
let agent: Agent;
beforeAll(async () => {
  server = await startServer();
  server.handle((req, res) => {
    if (req.url?.startsWith("/r")) {
      const wait = Math.floor(Math.random() * 40);
      setTimeout(() => res.writeHead(307, { location: `/landed${req.url}` }).end(), wait);
    } else {
      res.end("ok");
    }
  });
  agent = new Agent({ keepAlive: true, maxSockets: 50 });
});
afterAll(async () => {
  restoreEnv();
  agent.destroy();
  await server.close();
  expect(leaks.leaks()).toEqual([]);
});

describe("a token renewed on disk under load", () => {
  it(`serves ${REQUESTS} concurrent requests with whole, valid tokens and reads each renewal at most once`, async () => {
    const signer = await localSigner();
    const pool = await Promise.all(Array.from({ length: POOL }, () => signer.mint()));
    leaks.secret(...pool);
    const valid = new Set(pool.map((t) => `Bearer ${t}`));

    const path = join(tempDir(), "bt");
    replaceAtomically(path, `${pool[0]}\n`);
    setEnv({ BEARER_TOKEN_FILE: path });

    const discovery = new ScitokenDiscovery({ publicKey: signer.publicKey });
    const session = new Session({
      cert: false,
      auth: new ScitokenStrategy({ token: true, discovery }),
      agent: { https: agent },
      ...trustTestCa(),
    });
    leaks.object("session under load", session);

    const renewer = startRenewer(path, pool);
    // Let a few renewals happen before the storm, so it starts mid-rotation.
    while (renewer.writes() < 3) await new Promise((r) => setTimeout(r, WRITE_EVERY_MS));
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: REQUESTS }, (_, i) => session.get(`${server.origin}/r${i}`)),
    );
    const elapsed = performance.now() - started;
    const writes = await renewer.stop();

    const failures = results.filter((r) => r.status === "rejected");
    for (const failure of failures) {
      leaks.error("failed request", (failure as PromiseRejectedResult).reason);
    }
    expect(failures).toEqual([]);
    const landed = server.requests.filter((r) => r.url.startsWith("/landed"));
    expect(server.requests).toHaveLength(2 * REQUESTS);
    expect(landed).toHaveLength(REQUESTS);
    const sent = server.requests.map((r) => r.headers.authorization ?? "(none)");
    expect(sent.filter((header) => !valid.has(header))).toEqual([]);
    // The storm saw the token change under it.
    expect(new Set(landed.map((r) => r.headers.authorization)).size).toBeGreaterThan(5);
    // One verification per version of the file at most (+1 for the version there at the
    // start), however many requests and hops asked in the meantime.
    expect(discovery.stats.loads).toBeLessThanOrEqual(writes + 1);
    expect(discovery.stats.walks).toBeLessThanOrEqual(writes + 1);
    expect(discovery.stats.loads).toBeLessThan(REQUESTS / 2);
    expect(elapsed).toBeLessThan(15_000);

    // Once the file stops changing, requests cost no reads at all.
    const before = discovery.stats.loads;
    await Promise.all(Array.from({ length: 200 }, (_, i) => session.get(`${server.origin}/s${i}`)));
    expect(discovery.stats.loads - before).toBeLessThanOrEqual(1);
    const last = server.requests.slice(-200).map((r) => r.headers.authorization);
    expect(valid.has(last[0] ?? "")).toBe(true);
    expect(new Set(last).size).toBe(1);
  }, 30_000);
});
