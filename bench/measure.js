// Timing and statistics helpers shared by the benchmark scripts.
import { spawnSync } from "node:child_process";

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Quartile by linear interpolation, `q` in [0, 1]. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median, min, max, quartiles of a sample. */
export function summary(values) {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    q1: quantile(values, 0.25),
    q3: quantile(values, 0.75),
    n: values.length,
  };
}

/**
 * Run `call` from `concurrency` workers back to back for `ms` milliseconds. Returns
 * requests/second, and this process's CPU time per request (µs): the second is what the
 * client spends on each request whatever else the machine is doing at the time.
 * A failing call fails the benchmark: a client that stops authenticating must not look fast.
 */
export async function throughput(call, concurrency, ms) {
  let count = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  const worker = async () => {
    while (performance.now() < end) {
      await call();
      count += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { rps: (count * 1000) / elapsed, cpuUs: (cpu.user + cpu.system) / count };
}

/**
 * Concurrency 1, with the rows taking turns request by request (the order reversed every
 * turn) for about `ms` per row: each row's requests/second is one over its mean request
 * time. Taking turns this closely, a row and its baseline see the same moment of the
 * machine, which time slices cannot promise on a shared machine.
 */
export async function interleavedSequential(rows, ms) {
  const spent = rows.map(() => 0);
  const counts = rows.map(() => 0);
  const end = performance.now() + ms * rows.length;
  const forward = rows.map((_, i) => i);
  const backward = [...forward].reverse();
  for (let turn = 0; performance.now() < end; turn++) {
    for (const i of turn % 2 === 0 ? forward : backward) {
      const row = rows[i];
      const start = performance.now();
      await row.get(row.url);
      spent[i] += performance.now() - start;
      counts[i] += 1;
    }
  }
  return rows.map((_, i) => ({ rps: (counts[i] * 1000) / spent[i] }));
}

/** Microseconds per call of an async function: `n` sequential calls after `warm` unmeasured ones. */
export async function microsPerCall(call, n, warm = Math.min(n, 200)) {
  for (let i = 0; i < warm; i++) await call();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call();
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

/** Microseconds per call of a synchronous function. */
export function microsPerSyncCall(call, n, warm = Math.min(n, 200)) {
  for (let i = 0; i < warm; i++) call();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) call();
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

/**
 * Cold start of `import(specifier)` in fresh processes: for each run and each specifier (in
 * turn, to cancel drift), the import time measured inside the process and the wall-clock
 * time of the whole process (Node's own start-up included).
 */
export function coldStarts(specifiers, runs, cwd) {
  const code =
    "const t = performance.now(); await import(process.argv[1]);" +
    "process.stdout.write(String(performance.now() - t));";
  const results = Object.fromEntries(specifiers.map((s) => [s, { importMs: [], processMs: [] }]));
  for (let i = 0; i < runs + 1; i++) {
    for (const specifier of specifiers) {
      const start = process.hrtime.bigint();
      const child = spawnSync(
        process.execPath,
        ["--input-type=module", "-e", code, "--", specifier],
        {
          cwd,
          encoding: "utf8",
        },
      );
      const wall = Number(process.hrtime.bigint() - start) / 1e6;
      if (child.status !== 0) throw new Error(`import(${specifier}) failed: ${child.stderr}`);
      // The first run of each only warms the file system cache.
      if (i === 0) continue;
      results[specifier].importMs.push(Number(child.stdout));
      results[specifier].processMs.push(wall);
    }
  }
  return results;
}
