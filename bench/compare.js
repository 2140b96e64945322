// Try a change before applying it (not part of `npm run bench`): the Session rows of this
// repository's dist/ and of a candidate build, side by side with the got baselines, in one
// process and interleaved, so that the machine's load hits them alike.
//
//   node bench/compare.js /path/to/candidate/dist[,/another/dist] [rows=B,C,D,E] [rounds=8] [concurrency=32]
//
// The candidate folders' imports must resolve (e.g. a copy of dist/ next to a symlink to
// this repository's node_modules). Prints, per row, the client's CPU time per request
// (median over rounds) and requests/second, for the current build and each candidate
// (suffixed ', '', …). BENCH_DIAGNOSTIC=1: the rows ask for a path that needs no
// credential and are not checked, for a build stripped down to find where time goes.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { startBench } from "./harness.js";
import { median, throughput } from "./measure.js";

const [candidate, which = "B,C,D,E", roundsArg = "8", concurrencyArg = "32"] =
  process.argv.slice(2);
if (!candidate) throw new Error("usage: node bench/compare.js <candidate dist folder> [rows]");
const rounds = Number(roundsArg);
const concurrency = Number(concurrencyArg);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 500);
const bench = await startBench();
const builds = [bench.sessionRows()];
for (const [i, folder] of candidate.split(",").entries()) {
  const other = await import(pathToFileURL(`${resolve(folder)}/index.js`).href);
  builds.push(bench.sessionRows(other, "'".repeat(i + 1)));
}
const diagnostic = process.env.BENCH_DIAGNOSTIC === "1";
const rows = [];
for (const id of which.split(",")) {
  const base = bench.baselines[builds[0][id].baseline];
  if (!rows.includes(base)) rows.push(base);
  for (const build of builds) {
    const row = build[id];
    if (diagnostic) row.url = row.url.replace(/\/[a-z]+$/, "/open");
    rows.push(row);
  }
}
if (!diagnostic) await bench.check(rows);

const samples = Object.fromEntries(rows.map((r) => [r.id, { rps: [], cpuUs: [] }]));
for (const row of rows) await throughput(() => row.get(row.url), concurrency, 300);
for (let round = 0; round < rounds; round++) {
  for (const row of round % 2 === 0 ? rows : [...rows].reverse()) {
    const { rps, cpuUs } = await throughput(() => row.get(row.url), concurrency, SLICE_MS);
    samples[row.id].rps.push(rps);
    samples[row.id].cpuUs.push(cpuUs);
  }
}
process.stdout.write(`c=${concurrency}, ${rounds} rounds; medians\n`);
for (const row of rows) {
  const s = samples[row.id];
  const base = row.baseline ? samples[row.baseline] : undefined;
  const extra = base ? ` (+${(median(s.cpuUs) - median(base.cpuUs)).toFixed(0)} µs)` : "";
  const ratio = base ? `, ratio ${median(s.rps.map((v, i) => v / base.rps[i])).toFixed(3)}` : "";
  process.stdout.write(
    `${row.id.padEnd(3)} ${median(s.cpuUs).toFixed(0).padStart(5)} µs CPU/request${extra.padEnd(11)} ${median(s.rps).toFixed(0).padStart(6)} req/s${ratio}\n`,
  );
}
await bench.stop();
