// Large uploads ask first (Expect: 100-continue): a server that refuses on the headers is
// answered with its refusal, not with a broken pipe, and the body is never sent.
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTPError, Session } from "../../src/index.js";
import { tempDir } from "../helpers/env.js";
import { trustTestCa } from "../helpers/https-server.js";
import { testPki } from "../helpers/pki.js";

interface Seen {
  expect: string | undefined;
  bytes: number;
  sha256: string;
}

type Mode = "continue" | "refuse" | "silent";
let mode: Mode = "continue";
const seen: Seen[] = [];
let origin: string;
let server: ReturnType<typeof createServer>;

async function store(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of req) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  seen.push({ expect: req.headers.expect, bytes, sha256: hash.digest("hex") });
  res.writeHead(201).end("stored");
}

beforeAll(async () => {
  const { server: cert } = testPki();
  server = createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    void store(req, res);
  });
  // Node answers 100 Continue by itself unless told otherwise: here the test decides.
  server.on("checkContinue", (req, res) => {
    if (mode === "refuse") {
      seen.push({ expect: req.headers.expect, bytes: -1, sha256: "" });
      req.on("data", () => {
        // never reached: the client sends no body after a refusal
        seen.push({ expect: "body after refusal", bytes: 0, sha256: "" });
      });
      res.writeHead(403, { "www-authenticate": 'Bearer error="insufficient_scope"' });
      res.end("refused on the headers");
    } else if (mode === "continue") {
      res.writeContinue();
      void store(req, res);
    } else {
      void store(req, res); // never says 100: the client sends after waiting a while
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const session = () =>
  new Session({ token: "upload-token-value", cert: false, retry: { limit: 0 }, ...trustTestCa() });

describe("uploads", () => {
  it("ask first for a large Buffer and a stream, and store them byte for byte", async () => {
    mode = "continue";
    seen.length = 0;
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const file = join(tempDir("upload-"), "frame.gwf");
    writeFileSync(file, Buffer.alloc(5 * 1024 * 1024, 3));
    const s = session();
    expect((await s.put(`${origin}/big`, { body: big })).statusCode).toBe(201);
    expect((await s.put(`${origin}/file`, { body: createReadStream(file) })).statusCode).toBe(201);
    expect(seen).toEqual([
      { expect: "100-continue", bytes: big.length, sha256: sha(big) },
      {
        expect: "100-continue",
        bytes: 5 * 1024 * 1024,
        sha256: sha(Buffer.alloc(5 * 1024 * 1024, 3)),
      },
    ]);
  });

  it("do not ask for a small body, or for a GET", async () => {
    mode = "continue";
    seen.length = 0;
    await session().put(`${origin}/small`, { body: "a small body" });
    expect(seen).toEqual([
      { expect: undefined, bytes: 12, sha256: sha(Buffer.from("a small body")) },
    ]);
  });

  it("report a refusal on the headers as the server's 403, send no body, and keep working", async () => {
    mode = "refuse";
    seen.length = 0;
    const s = session();
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 200; i++) yield Buffer.alloc(256 * 1024, i);
      })(),
    );
    const err = await s.put(`${origin}/refused`, { body }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HTTPError);
    expect((err as HTTPError).response.statusCode).toBe(403);
    expect((err as Error & { auth?: { server?: { error?: string } } }).auth?.server?.error).toBe(
      "insufficient_scope",
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([{ expect: "100-continue", bytes: -1, sha256: "" }]);
    mode = "continue";
    expect(
      (await s.put(`${origin}/after`, { body: Buffer.alloc(2 * 1024 * 1024, 1) })).statusCode,
    ).toBe(201);
  });

  it("send after a second when the server never says 100 Continue", async () => {
    mode = "silent";
    seen.length = 0;
    const started = Date.now();
    const body = Buffer.alloc(2 * 1024 * 1024, 9);
    expect((await session().put(`${origin}/silent`, { body })).statusCode).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(seen).toEqual([{ expect: "100-continue", bytes: body.length, sha256: sha(body) }]);
  });
});
