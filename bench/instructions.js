// Instructions per request, counted by valgrind (not part of `npm run bench`): on a shared
// machine requests/second move with other people's work, instruction counts do not.
//
//   valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=A.out \
//     node bench/instructions.js A 2000
//   callgrind_annotate A.out | head -20        # the total, over the measured requests
//
// Arguments: row id (A, B, C, D0, D, E0, E), requests to count, concurrency (default 32).
// The row is warmed up first; only the measured requests are counted (callgrind_control
// switches instrumentation on and off around them). Every thread counts, the garbage
// collector's included, so a major collection that falls into one row's window shows up
// there: compare rows over a few thousand requests, or run twice.
import { execFileSync } from "node:child_process";
import { startBench } from "./harness.js";

const [id = "A", count = "2000", concurrency = "32"] = process.argv.slice(2);
const bench = await startBench();
const row = bench.byId[id];
if (!row) throw new Error(`no row ${id}: one of ${Object.keys(bench.byId).join(", ")}`);

async function run(total) {
  let left = total;
  const worker = async () => {
    while (left-- > 0) await row.get(row.url);
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
}

await run(1500);
execFileSync("callgrind_control", ["-i", "on", String(process.pid)]);
await run(Number(count));
execFileSync("callgrind_control", ["-i", "off", String(process.pid)]);
await bench.stop();
