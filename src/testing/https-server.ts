// Real HTTPS servers on loopback that record every request they receive.
import { once } from "node:events";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { PeerCertificate, TLSSocket } from "node:tls";
import { testPki } from "./pki.js";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  /** Header names and values as they came on the wire, names in their original case. */
  rawHeaders: string[];
  body: string;
  /** Subjects (CN) of the client certificate chain presented, leaf first. */
  clientChain: string[];
  /** PEM-less raw DER of the presented leaf certificate, when one was presented. */
  clientCert?: PeerCertificate;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  recorded: RecordedRequest,
) => unknown;

export interface TestServer {
  /** e.g. `https://127.0.0.1:43210` (no trailing slash). */
  readonly origin: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Replace the handler; the default answers 200 with a JSON echo of the request. */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export interface ServerOptions {
  host?: string; // "127.0.0.1" (default), "localhost" or "::1"
  protocol?: "https" | "http";
  requestCert?: boolean;
  /** Extra CA certificates the server trusts for client certificates. */
  clientCa?: string[];
  handler?: Handler;
  /**
   * How long an idle connection stays open, in ms (default 1000). Node's client does not
   * reuse a connection whose server says `Keep-Alive: timeout=1`: tests of connection
   * reuse need more.
   */
  keepAliveTimeout?: number;
}

function chainOf(socket: TLSSocket): { chain: string[]; leaf?: PeerCertificate } {
  if (typeof socket.getPeerCertificate !== "function") return { chain: [] };
  const leaf = socket.getPeerCertificate(true);
  if (!leaf || Object.keys(leaf).length === 0) return { chain: [] };
  const chain: string[] = [];
  let cert: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined = leaf;
  const seen = new Set<string>();
  while (cert && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const cn = cert.subject?.CN;
    chain.push(Array.isArray(cn) ? cn.join("/") : (cn ?? ""));
    cert = cert.issuerCertificate;
  }
  return { chain, leaf };
}

export const echoHandler: Handler = (_req, res, recorded) => {
  res.setHeader("content-type", "application/json");
  res.end(
    JSON.stringify({ method: recorded.method, url: recorded.url, headers: recorded.headers }),
  );
};

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const { ca, server: serverCert } = testPki();
  const host = options.host ?? "127.0.0.1";
  const requests: RecordedRequest[] = [];
  let handler = options.handler ?? echoHandler;

  const listener = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { chain, leaf } = chainOf(req.socket as TLSSocket);
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks).toString("utf8"),
      clientChain: chain,
      ...(leaf ? { clientCert: leaf } : {}),
    };
    requests.push(recorded);
    try {
      await handler(req, res, recorded);
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  };

  const server =
    options.protocol === "http"
      ? createHttpServer(listener)
      : createHttpsServer(
          {
            key: serverCert.keyPem,
            cert: serverCert.certPem,
            ca: [ca.certPem, ...(options.clientCa ?? [])],
            requestCert: options.requestCert ?? false,
            rejectUnauthorized: false,
          },
          listener,
        );
  server.keepAliveTimeout = options.keepAliveTimeout ?? 1000;
  server.listen(0, host);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    origin: `${options.protocol ?? "https"}://${urlHost}:${port}`,
    port,
    requests,
    handle(next) {
      handler = next;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close").catch(() => undefined);
    },
  };
}

/** got options that make a client trust the test CA. */
export function trustTestCa(): { https: { certificateAuthority: string } } {
  return { https: { certificateAuthority: testPki().ca.certPem } };
}
