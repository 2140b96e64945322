// Profile one row's client loop (not part of `npm run bench`):
//
//   node bench/profile.js B 32 5000 [out.cpuprofile]
//   node bench/profile-summary.js out.cpuprofile
//   node bench/profile-summary.js --compare A.cpuprofile B.cpuprofile   (µs per request, B − A)
//
// Arguments: row id (A, B, C, D0, D, E0, E), concurrency, milliseconds, and where to write
// the profile (default bench/profiles/<row>-c<concurrency>.cpuprofile). Only the measured
// loop is profiled (set-up and warm-up are not). Prints requests/s.
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startBench } from "./harness.js";
import { throughput } from "./measure.js";

const [id = "B", concurrency = "32", ms = "5000", out] = process.argv.slice(2);
const bench = await startBench();
const row = bench.byId[id];
if (!row) throw new Error(`no row ${id}: one of ${Object.keys(bench.byId).join(", ")}`);
await throughput(() => row.get(row.url), Number(concurrency), 1000);

const inspector = new Session();
inspector.connect();
await inspector.post("Profiler.enable");
await inspector.post("Profiler.setSamplingInterval", { interval: 100 });
await inspector.post("Profiler.start");
await bench.serverCpu();
const { rps } = await throughput(() => row.get(row.url), Number(concurrency), Number(ms));
const { connections } = await bench.serverCpu();
const { profile } = await inspector.post("Profiler.stop");
inspector.disconnect();

const path =
  out ?? fileURLToPath(new URL(`profiles/${id}-c${concurrency}.cpuprofile`, import.meta.url));
mkdirSync(dirname(path), { recursive: true });
writeFileSync(path, JSON.stringify(profile));
// Beside it, what profile-summary.js needs to turn shares into microseconds per request.
const requests = Math.round((rps * Number(ms)) / 1000);
writeFileSync(
  `${path}.meta.json`,
  JSON.stringify({ id, concurrency: Number(concurrency), rps, requests }),
);
process.stdout.write(
  `row ${id}, c=${concurrency}: ${Math.round(rps)} req/s, ${connections} new connections; profile in ${path}\n`,
);
await bench.stop();
