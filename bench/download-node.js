// The bare Node.js client of `npm run bench:download`: https.get piped to
// fs.createWriteStream, defaults everywhere (what most Node code does).
// Usage: node bench/download-node.js URL OUT CA_FILE
import { createWriteStream, readFileSync } from "node:fs";
import { get } from "node:https";
import { pipeline } from "node:stream/promises";

const [url, out, caFile] = process.argv.slice(2);
await new Promise((resolve, reject) => {
  get(url, { ca: readFileSync(caFile) }, (res) => {
    if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
    else pipeline(res, createWriteStream(out)).then(resolve, reject);
  }).on("error", reject);
});
