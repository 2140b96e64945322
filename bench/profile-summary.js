// Summarise .cpuprofile files written by bench/profile.js.
//
//   node bench/profile-summary.js <file.cpuprofile> [top=25]
//     the functions with the most self time, and this package's (dist/) functions with the
//     most total time (self + callees), in µs per request;
//   node bench/profile-summary.js --compare <base.cpuprofile> <row.cpuprofile> [top=25]
//     where a row spends more per request than its baseline, by self and by total time.
import { existsSync, readFileSync } from "node:fs";

function load(file) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const meta = existsSync(`${file}.meta.json`)
    ? JSON.parse(readFileSync(`${file}.meta.json`, "utf8"))
    : undefined;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const label = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      ? `${url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, "$1/")}:${lineNumber + 1}`
      : "";
    return `${functionName || "(anonymous)"} ${where}`.trim();
  };
  const sampleUs = new Map();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    sampleUs.set(id, (sampleUs.get(id) ?? 0) + dt);
    totalUs += dt;
  });
  const self = new Map();
  const total = new Map();
  for (const [id, us] of sampleUs) {
    const name = label(nodes.get(id));
    self.set(name, (self.get(name) ?? 0) + us);
    // Total: each function once per stack, so recursion is not counted twice.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frame = label(nodes.get(at));
      if (seen.has(frame)) continue;
      seen.add(frame);
      total.set(frame, (total.get(frame) ?? 0) + us);
    }
  }
  // Without a request count, shares of the sampled time (per 100 "requests").
  const per = meta ? meta.requests : totalUs / 100;
  return { file, meta, totalUs, per, self, total };
}

const ours = (name) => name.includes(" dist/");
const fmt = (us) => us.toFixed(1).padStart(8);

function print(title, entries, top) {
  process.stdout.write(`\n${title}\n`);
  for (const [name, us] of entries.slice(0, top)) process.stdout.write(`${fmt(us)}  ${name}\n`);
}

function perRequest(map, per) {
  return [...map].map(([name, us]) => [name, us / per]).sort((a, b) => b[1] - a[1]);
}

const args = process.argv.slice(2);
if (args[0] === "--compare") {
  const [, baseFile, rowFile, top = "25"] = args;
  const base = load(baseFile);
  const row = load(rowFile);
  const unit = base.meta && row.meta ? "µs per request" : "share";
  process.stdout.write(
    `${baseFile}: ${fmt(base.totalUs / base.per)} ${unit} sampled\n${rowFile}: ${fmt(row.totalUs / row.per)} ${unit} sampled\n`,
  );
  for (const kind of ["self", "total"]) {
    const diff = new Map();
    for (const [name, us] of row[kind]) diff.set(name, us / row.per);
    for (const [name, us] of base[kind]) diff.set(name, (diff.get(name) ?? 0) - us / base.per);
    const sorted = [...diff].sort((a, b) => b[1] - a[1]);
    print(`${kind} time, row − baseline (${unit}):`, sorted, Number(top));
  }
} else {
  const [file, top = "25"] = args;
  if (!file) throw new Error("usage: node bench/profile-summary.js <file.cpuprofile> [top]");
  const p = load(file);
  const unit = p.meta ? `µs per request (${p.meta.requests} requests)` : "share of samples (%)";
  process.stdout.write(`${file}: ${fmt(p.totalUs / p.per)} ${unit} sampled\n`);
  print(`self time, all code (${unit}):`, perRequest(p.self, p.per), Number(top));
  print(
    `total time, this package's functions (${unit}):`,
    perRequest(p.total, p.per).filter(([name]) => ours(name)),
    Number(top),
  );
}
