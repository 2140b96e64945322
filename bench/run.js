// `npm run bench`: what authentication costs a Session, against plain got (issue 6).
//
// The HTTPS service runs in its own process (bench/server.js); this process is the client.
// Each round measures every row at concurrency 1 and 32 and compares it with its baseline
// from the same round. At c=1 the rows take turns request by request, so a row and its
// baseline see the same moment of the machine; at c=32 each row has a short time slice,
// the order reversed every other round so that each row stays next to its baseline and
// neither always goes first. Many short rounds rather than a few long ones: on a shared
// machine a burst of someone else's work then spoils a round, not the result, and the
// median of the paired ratios ignores it. Then: discovery checks and micro-benchmarks,
// `new Session()`, heap over 10 000 requests (bench/memory.js) and the cold start of the
// package against got.
//
// Tuning (environment): BENCH_ROUNDS (16), BENCH_MS_C32 (400), BENCH_MS_C1 (200),
// BENCH_COLD_RUNS (6), BENCH_QUICK=1 (a fast smoke run, numbers not meaningful),
// BENCH_STRICT=1 (exit 1 when a target is missed), BENCH_DIST (measure another build).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { fileURLToPath } from "node:url";
import { Options } from "got";
import { dist, startBench } from "./harness.js";
import {
  coldStarts,
  interleavedSequential,
  median,
  microsPerCall,
  microsPerSyncCall,
  summary,
  throughput,
} from "./measure.js";

const quick = process.env.BENCH_QUICK === "1";
const setting = (name, normal, fast) => Number(process.env[name] ?? (quick ? fast : normal));
const ROUNDS = setting("BENCH_ROUNDS", 16, 2);
const MS = { 32: setting("BENCH_MS_C32", 400, 200), 1: setting("BENCH_MS_C1", 200, 100) };
const COLD_RUNS = setting("BENCH_COLD_RUNS", 6, 2);
const CONCURRENCY = [1, 32];
const MEMORY_REQUESTS = 10_000;

const repo = new URL("../", import.meta.url);
const began = performance.now();

// -- set-up ------------------------------------------------------------------------------

const bench = await startBench();
const { fx, pkg, rows, byId, origin, mtlsOrigin, echo, serverCpu, ScitokenDiscovery } = bench;
const log = (message) =>
  process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(1)}s] ${message}\n`);
log(`server on ${origin} and ${mtlsOrigin}; every row checked to send its credential`);

// -- throughput: interleaved rounds ------------------------------------------------------

const rps = Object.fromEntries(rows.map((r) => [r.id, { 1: [], 32: [] }]));
const clientCpuUs = Object.fromEntries(rows.map((r) => [r.id, { 32: [] }]));
const cpu = { 1: [], 32: [] };
const newConnections = { 1: 0, 32: 0 };
log("warm-up round");
for (const c of CONCURRENCY) {
  for (const row of rows) await throughput(() => row.get(row.url), c, 250);
}
const jwksHitsBefore = fx.issuer.hits(fx.issuer.jwksPath) + fx.issuer.metadataHits();

log(`${ROUNDS} rounds of ${rows.length} rows at c=1 (${MS[1]} ms) and c=32 (${MS[32]} ms)`);
for (let round = 0; round < ROUNDS; round++) {
  // c=1: the rows take turns request by request.
  await serverCpu();
  const sequential = await interleavedSequential(rows, MS[1]);
  for (const [i, row] of rows.entries()) rps[row.id][1].push(sequential[i].rps);
  const server1 = await serverCpu();
  cpu[1].push(server1.cpu);
  newConnections[1] += server1.connections;
  // c=32: time slices, row after row.
  const order = round % 2 === 0 ? rows : [...rows].reverse();
  for (const row of order) {
    await serverCpu();
    const sample = await throughput(() => row.get(row.url), 32, MS[32]);
    rps[row.id][32].push(sample.rps);
    clientCpuUs[row.id][32].push(sample.cpuUs);
    const server = await serverCpu();
    cpu[32].push(server.cpu);
    newConnections[32] += server.connections;
  }
}
const issuerHitsDuringRounds =
  fx.issuer.hits(fx.issuer.jwksPath) + fx.issuer.metadataHits() - jwksHitsBefore;

function rowResult(row) {
  const result = { id: row.id, what: row.what, baseline: row.baseline ?? null };
  for (const c of CONCURRENCY) {
    const own = rps[row.id][c];
    const cpuUs = clientCpuUs[row.id][c];
    const entry = {
      rps: summary(own),
      ...(cpuUs ? { clientCpuUsPerRequest: summary(cpuUs) } : {}),
    };
    if (row.baseline) {
      // Paired within each round: drift between rounds cancels out.
      const base = rps[row.baseline][c];
      entry.ratio = summary(own.map((v, i) => v / base[i]));
      entry.ratioOfMedians = median(own) / median(base);
      if (cpuUs) {
        entry.extraCpuUsPerRequest = median(cpuUs) - median(clientCpuUs[row.baseline][c]);
      }
    }
    result[`c${c}`] = entry;
  }
  return result;
}
const throughputResults = rows.map(rowResult);

// -- discovery: no read, no verification while warm; a changed file is picked up --------

log("discovery checks");
const aud = pkg.targetAudience(origin, false);
const verification = { ca: fx.issuer.ca };
const counted = new ScitokenDiscovery(verification);
const countedRow = bench.sessionClient({
  auth: new pkg.ScitokenStrategy({ verification, discovery: counted }),
});
await countedRow(`${origin}/bearer`);
const statsWarm = { ...counted.stats };
const countedRequests = 1000;
{
  let left = countedRequests;
  const worker = async () => {
    while (left-- > 0) await countedRow(`${origin}/bearer`);
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}
const statsAfter = { ...counted.stats };

const renewed = await fx.issuer.mint({ aud: "ANY", scope: "read:/" });
writeFileSync(fx.tokenPath, renewed, { mode: 0o600 });
const pickedUpCounted =
  JSON.parse((await countedRow(`${origin}/echo`)).body).authorization === `Bearer ${renewed}`;
const pickedUpSessionC = (await echo(byId.C)).authorization === `Bearer ${renewed}`;
const statsRenewed = { ...counted.stats };

const discoveryChecks = {
  requests: countedRequests,
  walksDuringRequests: statsAfter.walks - statsWarm.walks,
  loadsDuringRequests: statsAfter.loads - statsWarm.loads,
  loadsForRenewedFile: statsRenewed.loads - statsAfter.loads,
  renewedTokenUsedByNextRequest: pickedUpCounted && pickedUpSessionC,
  issuerRequestsDuringRounds: issuerHitsDuringRounds,
};

// -- micro-benchmarks ----------------------------------------------------------------------

log("micro-benchmarks");
const warmDiscovery = new ScitokenDiscovery(verification);
await warmDiscovery.find(aud, undefined, {});
const findWarmUs = await microsPerCall(() => warmDiscovery.find(aud, undefined, {}), 20_000);

const changedN = quick ? 50 : 300;
let changedNs = 0n;
const loadsBefore = warmDiscovery.stats.loads;
for (let i = 0; i < changedN; i++) {
  writeFileSync(fx.tokenPath, renewed); // same token, new mtime: a changed file
  const start = process.hrtime.bigint();
  await warmDiscovery.find(aud, undefined, {});
  changedNs += process.hrtime.bigint() - start;
}
const findChangedUs = Number(changedNs) / 1000 / changedN;
const changedLoads = warmDiscovery.stats.loads - loadsBefore;

const strategy = new pkg.ScitokenStrategy({ verification, discovery: warmDiscovery });
const hopUrl = new URL(`${origin}/bearer`);
const authorizeUs = await microsPerCall(
  () => strategy.authorize({ url: hopUrl, method: "GET", headers: {} }),
  20_000,
);
const findScitokenUs = await microsPerCall(
  () => pkg.findScitoken(aud, undefined, verification),
  quick ? 50 : 500,
);

const sessionConfigs = {
  "explicit token": { token: fx.token },
  "token discovery": { tokenVerification: verification },
  "X.509 proxy path": { cert: fx.proxyPath, token: false },
  "netrc (token: false)": { token: false },
};
// The Session's own per-request work, without the network: its got hooks called on a got
// Options object as got would call them, minus making that Options object. Machine load
// barely moves this number, so it is the one to watch for regressions.
const hookUs = {};
for (const row of rows.filter((r) => r.get.session)) {
  const url = row.url;
  const defaults = row.get.session.got.defaults.options;
  const { beforeRequest = [], afterResponse = [] } = defaults.hooks;
  const response = () => ({ statusCode: 200, headers: {}, url, redirectUrls: [] });
  const n = quick ? 500 : 5000;
  const optionsOnly = await microsPerCall(
    () => new Options(url, { method: "GET", context: {} }, defaults),
    n,
  );
  const withHooks = await microsPerCall(async () => {
    const options = new Options(url, { method: "GET", context: {} }, defaults);
    for (const hook of beforeRequest) await hook(options, { retryCount: 0 });
    for (const hook of afterResponse) await hook(response(), () => undefined);
  }, n);
  hookUs[row.id] = withHooks - optionsOnly;
}

// What a Session adds around got's own request, per request, beside its hooks: the request
// function that sends canonical header names (against `https.request` with the same native
// options, on an agent that never connects, so both only build the ClientRequest), and the
// handler that scrubs every rejection (around a request that has already settled).
const wrapperUs = {};
{
  const session = rows.find((r) => r.get.session)?.get.session;
  const canonicalRequest = session.got.defaults.options.request;
  const { handlers } = session.got.defaults;
  const agent = new HttpsAgent();
  agent.addRequest = () => {};
  const native = () => ({
    method: "GET",
    agent,
    headers: {
      authorization: `Bearer ${fx.token}`,
      "user-agent": "got (https://github.com/sindresorhus/got)",
      "accept-encoding": "gzip, deflate, br",
      accept: "application/json",
      "content-length": "0",
    },
  });
  const url = new URL(origin);
  const n = quick ? 500 : 5000;
  const build = (fn) => () => fn(url, native()).destroy();
  const pairs = [];
  for (let i = 0; i < 5; i++) {
    const plain = microsPerSyncCall(build(httpsRequest), n);
    const canonical = microsPerSyncCall(build(canonicalRequest), n);
    pairs.push(canonical - plain);
  }
  wrapperUs.canonicalHeaders = median(pairs);
  const settled = Object.assign(Promise.resolve({ statusCode: 200 }), {
    cancel() {},
    isCanceled: false,
    on() {},
  });
  const [scrubbing] = handlers;
  wrapperUs.scrubbingHandler = await microsPerCall(() => scrubbing(undefined, () => settled), n);
}

const constructionUs = {};
for (const [name, options] of Object.entries(sessionConfigs)) {
  constructionUs[name] = microsPerSyncCall(() => new pkg.Session(options), quick ? 200 : 2000);
}

// -- memory: 10 000 requests on one session, in a process with --expose-gc -----------------

log(`memory: ${MEMORY_REQUESTS} requests per session`);
const memoryChild = spawn(
  process.execPath,
  ["--expose-gc", fileURLToPath(new URL("memory.js", import.meta.url))],
  {
    env: {
      ...process.env,
      IGWN_BENCH_MEMORY: JSON.stringify({
        caPem: fx.caPem,
        issuerCa: fx.issuer.ca,
        origin,
        requests: quick ? 1000 : MEMORY_REQUESTS,
      }),
    },
    stdio: ["ignore", "pipe", "inherit"],
  },
);
let memoryOut = "";
memoryChild.stdout.on("data", (chunk) => {
  memoryOut += chunk;
});
const [memoryCode] = await once(memoryChild, "close");
if (memoryCode !== 0) throw new Error(`bench/memory.js exited with ${memoryCode}`);
const memory = JSON.parse(memoryOut);

// -- cold start --------------------------------------------------------------------------

log(`cold start: ${COLD_RUNS} runs each`);
// The package by its name (as users import it), or the BENCH_DIST build by its path.
const packageSpecifier = process.env.BENCH_DIST
  ? new URL("index.js", dist).href
  : "igwn-auth-utils";
const floorSpecifier = new URL("cold-floor.js", import.meta.url).href;
const cold = coldStarts(["got", floorSpecifier, packageSpecifier], COLD_RUNS, fileURLToPath(repo));
const coldResult = {
  got: { importMs: summary(cold.got.importMs), processMs: summary(cold.got.processMs) },
  dependencies: {
    importMs: summary(cold[floorSpecifier].importMs),
    processMs: summary(cold[floorSpecifier].processMs),
  },
  package: {
    importMs: summary(cold[packageSpecifier].importMs),
    processMs: summary(cold[packageSpecifier].processMs),
  },
};
coldResult.importRatio = coldResult.package.importMs.median / coldResult.got.importMs.median;
coldResult.processRatio = coldResult.package.processMs.median / coldResult.got.processMs.median;
coldResult.dependenciesRatio =
  coldResult.dependencies.importMs.median / coldResult.got.importMs.median;

// -- tear down ---------------------------------------------------------------------------

await bench.stop();

// -- report ------------------------------------------------------------------------------

const TARGETS = {
  B: { 1: 0.9, 32: 0.95 },
  C: { 1: 0.9, 32: 0.95 },
  D: { 1: 0.95, 32: 0.95 },
  E: { 1: 0.95, 32: 0.95 },
};
const COLD_TARGET = 1.25;
const fmt = (n, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const range = (s, digits = 0) =>
  `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
const verdict = (ok) => (ok ? "✓" : "✗");

const checks = [];
const lines = [];
lines.push(
  `Requests/second on loopback, median of ${ROUNDS} interleaved rounds (min–max); ratio = row ÷ its baseline in the same round (median, min–max); client CPU = this process's CPU time per request (median; in brackets, more than the baseline).`,
  "",
  "| row | client | c=1 req/s | c=1 ratio | c=32 req/s | c=32 ratio | client CPU per request, c=32 | target |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
);
for (const r of throughputResults) {
  const cells = [r.id, r.what];
  const target = TARGETS[r.id];
  let targetText = "baseline";
  for (const c of CONCURRENCY) {
    const entry = r[`c${c}`];
    cells.push(range(entry.rps));
    if (entry.ratio) {
      const ok = entry.ratio.median >= target[c];
      checks.push({
        name: `${r.id}/${r.baseline} at c=${c} ≥ ${target[c]}`,
        ok,
        value: entry.ratio.median,
      });
      cells.push(
        `${fmt(entry.ratio.median, 3)} (${fmt(entry.ratio.min, 2)}–${fmt(entry.ratio.max, 2)}) ${verdict(ok)}`,
      );
    } else cells.push("—");
  }
  const cpu32 = r.c32.clientCpuUsPerRequest.median;
  cells.push(
    r.c32.extraCpuUsPerRequest === undefined
      ? `${fmt(cpu32)} µs`
      : `${fmt(cpu32)} µs (${r.c32.extraCpuUsPerRequest >= 0 ? "+" : ""}${fmt(r.c32.extraCpuUsPerRequest)})`,
  );
  if (target) targetText = `≥ ${target[1]} (c=1), ≥ ${target[32]} (c=32) of ${r.baseline}`;
  cells.push(targetText);
  lines.push(`| ${cells.join(" | ")} |`);
}

const dc = discoveryChecks;
const warmNoWork = dc.walksDuringRequests === 0 && dc.loadsDuringRequests === 0;
checks.push({ name: "warm discovery: no file read, no verification", ok: warmNoWork });
checks.push({
  name: "changed token file used by the next request",
  ok: dc.renewedTokenUsedByNextRequest && dc.loadsForRenewedFile === 1,
});
checks.push({
  name: "cold start ≤ 1.25 × got",
  ok: coldResult.importRatio <= COLD_TARGET,
  value: coldResult.importRatio,
});
const memoryOk = memory.sessions.every((s) => s.growthBytes < 1024 * 1024);
checks.push({ name: "no heap growth over 10 000 requests (< 1 MiB)", ok: memoryOk });

const cpuMax = { 1: Math.max(...cpu[1]), 32: Math.max(...cpu[32]) };
lines.push(
  "",
  `Server process CPU (share of one core) during the rows: up to ${fmt(cpuMax[1] * 100)}% at c=1, ${fmt(cpuMax[32] * 100)}% at c=32.`,
  "",
  "| measurement | value | target |",
  "| --- | ---: | --- |",
  `| \`ScitokenDiscovery.find\`, warm (nothing changed) | ${fmt(findWarmUs, 2)} µs/call | no read, no verification |`,
  `| \`ScitokenStrategy.authorize\`, warm (per request) | ${fmt(authorizeUs, 2)} µs/call | |`,
  `| \`ScitokenDiscovery.find\`, token file changed | ${fmt(findChangedUs, 1)} µs/call (${changedLoads}/${changedN} reloads) | re-read and re-verified |`,
  `| \`findScitoken\` (no cache: reads and verifies every call; keys cached) | ${fmt(findScitokenUs, 1)} µs/call | |`,
  `| Session's own hooks per request, no network (B, C, D, E) | ${Object.values(hookUs)
    .map((us) => fmt(us, 1))
    .join(", ")} µs | |`,
  `| canonical header names on the wire, per request (vs \`https.request\`) | ${fmt(wrapperUs.canonicalHeaders, 2)} µs | in the noise |`,
  `| the handler that scrubs every rejection, per request | ${fmt(wrapperUs.scrubbingHandler, 2)} µs | in the noise |`,
  ...Object.entries(constructionUs).map(
    ([name, us]) => `| \`new Session()\`, ${name} | ${fmt(us, 1)} µs | |`,
  ),
  `| C: discoveries / token loads over ${dc.requests} warm requests | ${dc.walksDuringRequests} / ${dc.loadsDuringRequests} ${verdict(warmNoWork)} | 0 / 0 |`,
  `| C: renewed token file used by the next request (loads) | ${dc.renewedTokenUsedByNextRequest ? "yes" : "no"} (${dc.loadsForRenewedFile}) ${verdict(dc.renewedTokenUsedByNextRequest)} | yes (1) |`,
  `| C: requests to the issuer during the rounds | ${dc.issuerRequestsDuringRounds} | 0 |`,
  ...memory.sessions.map(
    (s) =>
      `| heap after − before ${fmt(s.requests)} requests, ${s.name} | ${s.growthBytes >= 0 ? "+" : ""}${fmt(s.growthBytes / 1024, 1)} KiB (${fmt(s.beforeBytes / 2 ** 20, 1)} → ${fmt(s.afterBytes / 2 ** 20, 1)} MiB) ${verdict(s.growthBytes < 1024 * 1024)} | no growth (< 1 MiB) |`,
  ),
  `| cold start: \`import("got")\` | ${range(coldResult.got.importMs, 1)} ms (process ${fmt(coldResult.got.processMs.median)} ms) | |`,
  `| cold start: got + reflect-metadata + tsyringe (the floor set by DI) | ${range(coldResult.dependencies.importMs, 1)} ms, ratio ${fmt(coldResult.dependenciesRatio, 2)} | |`,
  `| cold start: \`import("igwn-auth-utils")\` | ${range(coldResult.package.importMs, 1)} ms (process ${fmt(coldResult.package.processMs.median)} ms) | |`,
  `| cold start ratio, import (whole process) | ${fmt(coldResult.importRatio, 2)} (${fmt(coldResult.processRatio, 2)}) ${verdict(coldResult.importRatio <= COLD_TARGET)} | ≤ ${COLD_TARGET} |`,
);
const elapsed = (performance.now() - began) / 1000;
lines.push(
  "",
  `Node ${process.version}, ${process.platform}/${process.arch}; ${ROUNDS} rounds × ${MS[32]} ms (c=32) / ${MS[1]} ms (c=1) per row; bench ran in ${fmt(elapsed)} s.`,
);

const failed = checks.filter((c) => !c.ok);
process.stdout.write(`${lines.join("\n")}\n`);
process.stdout.write(
  failed.length === 0
    ? "\nAll targets met.\n"
    : `\nTargets missed:\n${failed.map((c) => `- ${c.name}${c.value === undefined ? "" : ` (${fmt(c.value, 3)})`}`).join("\n")}\n`,
);

const results = {
  date: new Date().toISOString(),
  node: process.version,
  settings: { rounds: ROUNDS, msPerRow: MS, coldRuns: COLD_RUNS, quick },
  throughput: throughputResults,
  rawRequestsPerSecond: rps,
  rawClientCpuUsPerRequest: clientCpuUs,
  serverCpu: { max: cpuMax, samples: cpu },
  newConnectionsDuringRounds: newConnections,
  discovery: {
    findWarmUs,
    authorizeWarmUs: authorizeUs,
    findChangedUs,
    changedReloads: changedLoads,
    changedCalls: changedN,
    findScitokenUs,
    ...discoveryChecks,
  },
  sessionHooksUsPerRequest: hookUs,
  sessionWrappersUsPerRequest: wrapperUs,
  sessionConstructionUs: constructionUs,
  memory,
  coldStart: coldResult,
  checks,
  elapsedSeconds: elapsed,
};
writeFileSync(new URL("results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
// BENCH_STRICT=1: a missed target fails the run (for CI).
if (process.env.BENCH_STRICT === "1" && failed.length > 0) process.exitCode = 1;
