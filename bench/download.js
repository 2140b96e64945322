// `npm run bench:download`: how fast `igwn-auth get` saves one large file, next to the
// clients users would otherwise pick (issue 15).
//
// One file of BENCH_DOWNLOAD_MIB (500) MiB of random bytes is written to a temporary folder
// and served over HTTPS on loopback by bench/download-server.js in its own process. Each
// client saves it to a file in the same folder, as a process of its own, timed from its
// start to its exit (start-up included: that is what a user waits for). The clients take
// turns: every round runs each once, in an order rotated from round to round, and the
// table gives the median over BENCH_DOWNLOAD_ROUNDS (5) rounds with the min–max. A first
// round, not counted, checks that each client saved the file byte for byte (sha256).
//
//   python3 requests   Debian's python3-requests, streaming 1 MiB chunks to the file
//   curl               curl -o FILE
//   Node https.get     https.get piped to fs.createWriteStream, Node's defaults
//   igwn-auth get      igwn-auth get -o FILE (no credentials: the others send none either)
//   igwn-auth get, adler32 checked   the server states the file's adler32 (Digest)
//
// Every sample goes to bench/download-results.json.
import { fork, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./measure.js";

const MiB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_DOWNLOAD_MIB ?? 500) * MiB;
const ROUNDS = Number(process.env.BENCH_DOWNLOAD_ROUNDS ?? 5);
const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const dist = new URL("../dist/", import.meta.url);
const log = (message) => process.stderr.write(`[bench:download] ${message}\n`);

// -- the file and the server ----------------------------------------------------------

const root = mkdtempSync(join(tmpdir(), "igwn-auth-bench-download-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));
const file = join(root, "frame.gwf");
const out = join(root, "out.gwf");
{
  const fd = openSync(file, "w");
  for (let written = 0; written < SIZE; written += MiB)
    writeSync(fd, randomBytes(Math.min(MiB, SIZE - written)));
  closeSync(fd);
}
async function sha256Of(path) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk);
  return hash.digest("hex");
}
const expected = await sha256Of(file);

const { testPki } = await import(new URL("dev/testing/pki.js", dist));
const { ca, server: serverCert } = testPki();
const caFile = join(root, "ca.pem");
writeFileSync(caFile, ca.certPem);
const server = fork(here("download-server.js"), [], {
  stdio: ["ignore", "inherit", "inherit", "ipc"],
  execArgv: [],
});
server.send({ tls: { keyPem: serverCert.keyPem, certPem: serverCert.certPem }, file });
const [{ port }] = await once(server, "message");
const url = `https://127.0.0.1:${port}/frame.gwf`;
log(`${SIZE / MiB} MiB at ${url}`);

// -- the clients ------------------------------------------------------------------------

/** The Python that has requests: Debian's first (/usr/bin/python3), else the one on PATH. */
function pythonWithRequests() {
  for (const python of ["/usr/bin/python3", "python3"]) {
    const probe = spawnSync(python, ["-c", "import requests; print(requests.__version__)"], {
      encoding: "utf8",
    });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
  }
  return undefined;
}

const PYTHON_CLIENT = `
import sys, requests
url, out, ca = sys.argv[1:4]
with requests.get(url, stream=True, verify=ca) as r:
    r.raise_for_status()
    with open(out, "wb") as f:
        for chunk in r.iter_content(1024 * 1024):
            f.write(chunk)
`;

const cli = fileURLToPath(new URL("cli/main.js", dist));
const env = { ...process.env, NODE_EXTRA_CA_CERTS: caFile };
const python = pythonWithRequests();
const curlVersion = spawnSync("curl", ["--version"], { encoding: "utf8" }).stdout?.split("\n")[0];
const digestUrl = url.replace("/frame.gwf", "/digest/frame.gwf");

const clients = [
  python
    ? {
        name: "python3 requests",
        note: `requests ${python.version}, 1 MiB chunks`,
        command: [python.python, "-c", PYTHON_CLIENT, url, out, caFile],
      }
    : {
        name: "python3 requests",
        skipped: "python3 with requests not found (Debian: apt-get install python3-requests)",
      },
  curlVersion
    ? {
        name: "curl",
        note: curlVersion.split(" ").slice(0, 2).join(" "),
        command: ["curl", "-sS", "--fail", "--cacert", caFile, "-o", out, url],
      }
    : { name: "curl", skipped: "curl not found" },
  {
    name: "Node https.get → fs.createWriteStream",
    note: `Node ${process.version}, defaults`,
    command: [process.execPath, here("download-node.js"), url, out, caFile],
  },
  {
    name: "igwn-auth get",
    note: "-o FILE",
    command: [process.execPath, cli, "get", "--no-auth", "-o", out, url],
  },
  {
    name: "igwn-auth get, adler32 checked",
    note: "the server sends Digest: adler32",
    command: [process.execPath, cli, "get", "--no-auth", "-o", out, digestUrl],
  },
];
const active = clients.filter((c) => !c.skipped);

/** Run one client; resolves to its seconds, after checking the file it saved. */
async function runClient(client, verify) {
  rmSync(out, { force: true });
  const started = performance.now();
  const child = spawn(client.command[0], client.command.slice(1), {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text) => {
    stderr += text;
  });
  const [code] = await once(child, "close");
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${client.name} exited ${code}: ${stderr}`);
  if (statSync(out).size !== SIZE)
    throw new Error(`${client.name} saved ${statSync(out).size} bytes`);
  if (verify && (await sha256Of(out)) !== expected)
    throw new Error(`${client.name} saved other bytes`);
  return seconds;
}

log("a round to check every client saves the file byte for byte (not counted)");
for (const client of active) await runClient(client, true);
const samples = Object.fromEntries(active.map((c) => [c.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const shift = round % active.length;
  const order = [...active.slice(shift), ...active.slice(0, shift)];
  for (const client of order) samples[client.name].push(await runClient(client, false));
  log(
    `round ${round + 1}/${ROUNDS}: ${order.map((c) => `${c.name} ${samples[c.name].at(-1).toFixed(2)} s`).join(", ")}`,
  );
}
server.kill();

// -- the table -----------------------------------------------------------------------

const ours = median(samples["igwn-auth get"]);
const rows = clients.map((client) => {
  if (client.skipped) return { name: client.name, skipped: client.skipped };
  const values = samples[client.name];
  const m = median(values);
  return {
    name: client.name,
    note: client.note,
    median: m,
    min: Math.min(...values),
    max: Math.max(...values),
    mibPerSecond: SIZE / MiB / m,
    ratio: m / ours,
    samples: values,
  };
});
const lines = [
  `| client | seconds, median (min–max) | MiB/s | time ÷ igwn-auth get |`,
  `| --- | ---: | ---: | ---: |`,
  ...rows.map((r) =>
    r.skipped
      ? `| ${r.name} | skipped: ${r.skipped} | | |`
      : `| ${r.name} (${r.note}) | ${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)}) | ${r.mibPerSecond.toFixed(0)} | ${r.ratio.toFixed(2)} |`,
  ),
];
process.stdout.write(
  `\n${SIZE / MiB} MiB over loopback HTTPS, ${ROUNDS} rounds, medians:\n\n${lines.join("\n")}\n`,
);
writeFileSync(
  new URL("download-results.json", import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, bytes: SIZE, rounds: ROUNDS, rows }, null, 2)}\n`,
);
