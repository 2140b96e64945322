// The benchmark's HTTPS service, run in its own process (child_process.fork) so that the
// client being measured has a core to itself. Two listeners with keep-alive: one plain HTTPS
// (rows A, B, C, E) and one that asks for a client certificate (row D).
//
// Every path checks that the credential it expects arrived, so a client that stops sending
// it fails the benchmark (401) instead of looking fast:
//   /bearer  needs `Authorization: Bearer …`      /basic  needs `Authorization: Basic …`
//   /mtls    needs a client certificate            /echo   answers what arrived, as JSON
import { once } from "node:events";
import { createServer } from "node:https";

/** Common name of the client certificate on a TLS socket, looked up once per connection. */
const peerNames = new WeakMap();
function peerName(socket) {
  let name = peerNames.get(socket);
  if (name === undefined) {
    const cert = typeof socket.getPeerCertificate === "function" ? socket.getPeerCertificate() : {};
    // A proxy's subject ends in a CN of its own after the user's: keep the last one.
    const cn = cert?.subject?.CN ?? "";
    name = Array.isArray(cn) ? (cn.at(-1) ?? "") : cn;
    peerNames.set(socket, name);
  }
  return name;
}

function handler(req, res) {
  const auth = req.headers.authorization ?? "";
  const path = req.url ?? "/";
  let ok;
  if (path.startsWith("/bearer")) ok = auth.startsWith("Bearer ");
  else if (path.startsWith("/basic")) ok = auth.startsWith("Basic ");
  else if (path.startsWith("/mtls")) ok = peerName(req.socket) !== "";
  else if (path.startsWith("/echo")) {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ authorization: auth, clientCertificate: peerName(req.socket) }));
    return;
  } else ok = true;
  res.statusCode = ok ? 200 : 401;
  res.setHeader("content-type", "text/plain");
  res.end(ok ? "ok" : "missing credential");
}

/** TLS connections accepted: with keep-alive working, none after the warm-up. */
let connections = 0;

async function listen(tls) {
  const server = createServer({ ...tls, rejectUnauthorized: false }, handler);
  server.on("secureConnection", () => {
    connections += 1;
  });
  // Connections stay open across the interleaved rounds: the bench measures requests, not
  // TLS handshakes.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

// Never outlive the benchmark, even when it fails.
process.on("disconnect", () => process.exit(0));

process.once("message", async (config) => {
  const tls = { key: config.keyPem, cert: config.certPem, ca: [config.caPem, config.clientCaPem] };
  const plain = await listen({ ...tls, requestCert: false });
  const mtls = await listen({ ...tls, requestCert: true });
  let mark = process.cpuUsage();
  let markTime = process.hrtime.bigint();
  process.on("message", (message) => {
    // CPU time used since the last mark, as a share of one core: tells whether the server
    // (rather than the client being measured) was the limit; and the connections opened.
    if (message === "cpu") {
      const now = process.hrtime.bigint();
      const used = process.cpuUsage(mark);
      const wallUs = Number(now - markTime) / 1000;
      process.send({ cpu: (used.user + used.system) / wallUs, connections });
      connections = 0;
      mark = process.cpuUsage();
      markTime = now;
    } else if (message === "stop") {
      plain.closeAllConnections();
      mtls.closeAllConnections();
      plain.close();
      mtls.close();
      process.exit(0);
    }
  });
  process.send({ plainPort: plain.address().port, mtlsPort: mtls.address().port });
});
