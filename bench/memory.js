// Heap growth over many requests on one Session, run by bench/run.js in a process of its
// own with --expose-gc. The server and issuer are the parent's; the environment (HOME,
// XDG_CACHE_HOME, $BEARER_TOKEN_FILE, …) is inherited, so the issuer keys come from the
// on-disk cache the parent filled. Prints one JSON object.
import { Agent } from "node:https";
import { setImmediate as tick } from "node:timers/promises";

const config = JSON.parse(process.env.IGWN_BENCH_MEMORY ?? "{}");
const { dist } = await import("./harness.js");
const { Session } = await import(new URL("index.js", dist));

if (typeof globalThis.gc !== "function") throw new Error("run with --expose-gc");

/** heapUsed after full collections, letting finalizers and weak references settle. */
async function settledHeap() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await tick();
  }
  return process.memoryUsage().heapUsed;
}

async function run(session, url, requests, concurrency = 32) {
  let left = requests;
  const worker = async () => {
    while (left-- > 0) await session.get(url);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const common = () => ({
  https: { certificateAuthority: config.caPem },
  agent: { https: new Agent({ keepAlive: true }) },
});
const cases = [
  {
    name: "C (token discovery)",
    session: new Session({ ...common(), tokenVerification: { ca: config.issuerCa } }),
    url: `${config.origin}/bearer`,
  },
];

const sessions = [];
for (const { name, session, url } of cases) {
  // Warm: JIT, the connection pool, the discovery and credential caches.
  await run(session, url, 1000);
  const beforeBytes = await settledHeap();
  await run(session, url, config.requests);
  const afterBytes = await settledHeap();
  sessions.push({
    name,
    requests: config.requests,
    beforeBytes,
    afterBytes,
    growthBytes: afterBytes - beforeBytes,
  });
}
process.stdout.write(JSON.stringify({ sessions }));
process.exit(0);
