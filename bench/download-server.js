// The file server of `npm run bench:download`, run in its own process (child_process.fork)
// so that the client measured has a core to itself. It serves one file from disk over HTTPS
// with keep-alive, as an Apache or XRootD data server would: Content-Length, a strong ETag,
// Accept-Ranges, and on /digest/… a `Digest: adler32=…` when asked with Want-Digest.
import { once } from "node:events";
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:https";

/** adler32 (RFC 1950) of a file, computed here independently of the code measured. */
async function adler32(path) {
  let a = 1;
  let b = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    for (let i = 0; i < chunk.length; i += 3800) {
      const end = Math.min(i + 3800, chunk.length);
      for (let j = i; j < end; j++) {
        a += chunk[j];
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
  }
  return (((b << 16) | a) >>> 0).toString(16).padStart(8, "0");
}

process.on("disconnect", () => process.exit(0));

process.once("message", async ({ tls, file }) => {
  const size = statSync(file).size;
  const digest = await adler32(file);
  const etag = `"${size.toString(16)}-${digest}"`;
  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const path = new URL(req.url ?? "/", "https://x").pathname;
    if (!path.endsWith("/frame.gwf")) {
      res.writeHead(404).end();
      return;
    }
    const headers = {
      "content-type": "application/octet-stream",
      "content-length": String(size),
      "accept-ranges": "bytes",
      etag,
    };
    if (path.startsWith("/digest/") && req.headers["want-digest"]) {
      headers.digest = `adler32=${digest}`;
    }
    res.writeHead(200, headers);
    createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  process.send({ port: server.address().port, adler32: digest });
});
