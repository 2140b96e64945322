// A file server for the download tests: real HTTPS on loopback, serving files from memory
// with the behaviours of the servers users meet — Range and If-Range done right, or
// ignored, or answered with the wrong Content-Range; ETag and Last-Modified or none (as
// XrdHttp 5.5); `Digest: adler32=…` on `Want-Digest`, right or wrong; connections reset
// mid-file; files that change between two requests; 401s. Each file has a plan of what its
// next requests meet, consumed one request at a time.
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { deflateSync } from "node:zlib";
import { startServer, type TestServer } from "../helpers/https-server.js";

/** What one request for a file meets, in the order of the plan. */
export type Step =
  /** Send the response head and `bytes` bytes of the body, then reset the connection. */
  | { reset: number }
  /** Answer with this status and no body. */
  | { status: number; headers?: Record<string, string> }
  /** Send `bytes` bytes, then nothing until the client goes (a stalled transfer). */
  | { stall: number }
  /** Serve normally, but in small pieces with pauses (something to interrupt). */
  | { slow: true }
  /** Redirect (302) to this URL. */
  | { redirect: string }
  /** Replace the file's content (and its Digest) before answering (a file rewritten on the server). */
  | { change: Buffer; digest?: ServedFile["digest"] };

/** A file and how the server treats it. */
export interface ServedFile {
  body: Buffer;
  /** A strong ETag (changes with the content); `null`: none, as XrdHttp 5.5. Default: one. */
  etag?: string | null;
  /** Send Last-Modified (default: when there is an ETag). */
  lastModified?: boolean;
  /** Answer Range requests (default true); `false`: always 200 with the whole file. */
  range?: boolean;
  /** Honour If-Range (default true); `false`: answer the Range whatever the validator, as XrdHttp 5.5. */
  ifRange?: boolean;
  /** Add this much to the start of Content-Range (a broken server), default 0. */
  contentRangeSkew?: number;
  /** `Digest` on `Want-Digest`: the right adler32, a wrong one, or a value that is not adler32. */
  digest?: "adler32" | "wrong" | "malformed" | "none";
  /**
   * End the Content-Range line of a 206 with LF alone, as XrdHttp 5.5.3 does when a Digest
   * follows (Node's strict parser refuses it).
   */
  bareLf?: boolean;
  /** What the next requests meet, consumed one per request. */
  plan?: Step[];
}

export interface FileServer {
  readonly server: TestServer;
  readonly origin: string;
  /** Serve `file` at `path` (e.g. `/frames/H-1.gwf`); returns the URL. */
  put(path: string, file: ServedFile): string;
  /** Requests for one path, in order. */
  requestsFor(path: string): TestServer["requests"];
  /** Most requests in flight at once so far. */
  readonly maxInFlight: number;
  /** TLS connections accepted so far (client ports seen). */
  readonly connections: number;
  /** Hold the first `count` requests until that many are in flight (or 3 s pass). */
  holdUntilInFlight(count: number): void;
  close(): Promise<void>;
}

/** The adler32 of `bytes`, read from the trailer zlib writes (an oracle independent of ours). */
export function zlibAdler32(bytes: Buffer): string {
  return deflateSync(bytes, { level: 0 }).subarray(-4).toString("hex");
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Random content of `size` bytes (incompressible: nothing can fake it). */
export function content(size: number): Buffer {
  return randomBytes(size);
}

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

function etagOf(file: ServedFile): string | undefined {
  if (file.etag === null) return undefined;
  return file.etag ?? `"${sha256(file.body).slice(0, 16)}"`;
}

/** Start a file server on `host` (default 127.0.0.1; "localhost" is another origin). */
export async function startFileServer(host?: "127.0.0.1" | "localhost"): Promise<FileServer> {
  const server = await startServer({ keepAliveTimeout: 10_000, ...(host ? { host } : {}) });
  const files = new Map<string, ServedFile>();
  const ports = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;
  let hold: { count: number; release: () => void; released: Promise<void> } | undefined;

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    ports.add(`${req.socket.remotePort}`);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once("close", () => {
      inFlight -= 1;
    });
    if (hold) {
      const current = hold;
      if (inFlight >= current.count) current.release();
      await Promise.race([current.released, pause(3000)]);
    }
    const path = new URL(req.url ?? "/", "https://x").pathname;
    const file = files.get(path);
    if (!file) {
      res.writeHead(404);
      res.end("not here");
      return;
    }
    let step = file.plan?.shift();
    if (step && "change" in step) {
      file.body = step.change;
      if (step.digest) file.digest = step.digest;
      step = file.plan?.shift();
    }
    if (step && "redirect" in step) {
      res.writeHead(302, { location: step.redirect });
      res.end();
      return;
    }
    if (step && "status" in step) {
      res.writeHead(step.status, step.headers ?? {});
      res.end();
      return;
    }
    const size = file.body.length;
    const etag = etagOf(file);
    const headers: Record<string, string> = { "content-type": "application/octet-stream" };
    if (etag) headers.etag = etag;
    if (file.lastModified ?? etag !== undefined) {
      headers["last-modified"] = new Date(Date.UTC(2024, 0, 1 + (size % 28))).toUTCString();
    }
    if (file.range !== false) headers["accept-ranges"] = "bytes";
    if (req.headers["want-digest"] && file.digest && file.digest !== "none") {
      const right = zlibAdler32(file.body);
      headers.digest =
        file.digest === "adler32"
          ? `adler32=${right}`
          : file.digest === "wrong"
            ? `adler32=${((Number.parseInt(right, 16) ^ 1) >>> 0).toString(16).padStart(8, "0")}`
            : `adler32=${Buffer.from(right, "hex").toString("base64")}AAAA`;
    }
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    const ifRange = req.headers["if-range"];
    const validatorHolds =
      ifRange === undefined ||
      file.ifRange === false ||
      ifRange === etag ||
      ifRange === headers["last-modified"];
    if (range && file.range !== false && validatorHolds) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        res.writeHead(416, { "content-range": `bytes */${size}` });
        res.end();
        return;
      }
      status = 206;
      const shown = start + (file.contentRangeSkew ?? 0);
      headers["content-range"] = `bytes ${shown}-${end}/${size}`;
    }
    const body = file.body.subarray(start, end + 1);
    headers["content-length"] = String(body.length);
    if (file.bareLf && status === 206) {
      // Written by hand: Node's server will not send a line without its CR.
      const lines = Object.entries(headers)
        .filter(([name]) => name !== "content-range")
        .map(([name, value]) => `${name}: ${value}\r\n`);
      const head = `HTTP/1.1 206 Partial Content\r\nContent-Range: ${headers["content-range"]}\n${lines.join("")}Connection: close\r\n\r\n`;
      req.socket.end(Buffer.concat([Buffer.from(head, "latin1"), body]));
      return;
    }
    res.writeHead(status, headers);
    if (step && "reset" in step) {
      res.write(body.subarray(0, step.reset));
      // Let the bytes go out, then a real reset (RST), as a dropped connection looks. It is
      // the TCP socket under TLS that resets: resetAndDestroy() on the TLS socket itself
      // resets nothing (the client then waits for the idle timeout).
      await pause(50);
      const tcp = (req.socket as typeof req.socket & { _parent?: typeof req.socket })._parent;
      (tcp ?? req.socket).resetAndDestroy();
      return;
    }
    if (step && "stall" in step) {
      res.write(body.subarray(0, step.stall));
      await new Promise((done) => res.once("close", done));
      return;
    }
    if (step && "slow" in step) {
      for (let at = 0; at < body.length && !res.destroyed; at += 64 * 1024) {
        res.write(body.subarray(at, at + 64 * 1024));
        await pause(20);
      }
      res.end();
      return;
    }
    res.end(body);
  };
  server.handle(handler);

  return {
    server,
    origin: server.origin,
    put(path, file) {
      files.set(path, file);
      return `${server.origin}${path}`;
    },
    requestsFor(path) {
      return server.requests.filter((r) => new URL(r.url, "https://x").pathname === path);
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get connections() {
      return ports.size;
    },
    holdUntilInFlight(count) {
      let release = () => {};
      const released = new Promise<void>((done) => {
        release = done;
      });
      hold = { count, release, released };
    },
    close: () => server.close(),
  };
}
