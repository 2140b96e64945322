import type { CancelableRequest, Response } from "got";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { get, HTTPError, request, Session } from "../../src/index.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  server.handle((req, res) => {
    if (req.url === "/missing") res.writeHead(404).end("nope");
    else res.setHeader("content-type", "application/json").end(JSON.stringify({ path: req.url }));
  });
});
afterAll(() => server.close());

const session = () => new Session({ cert: false, token: false, ...trustTestCa() });

describe("what a request resolves to, by its options (as got types it)", () => {
  it("text by default, a typed JSON body with responseType json, a Buffer with buffer", async () => {
    const s = session();
    const text = await s.get(`${server.origin}/t`);
    expectTypeOf(text).toEqualTypeOf<Response<string>>();
    expect(typeof text.body).toBe("string");

    const json = await s.get<{ path: string }>(`${server.origin}/j`, { responseType: "json" });
    expectTypeOf(json).toEqualTypeOf<Response<{ path: string }>>();
    expect(json.body.path).toBe("/j");

    const bytes = await s.post(`${server.origin}/b`, { responseType: "buffer" });
    expectTypeOf(bytes.body).toEqualTypeOf<Buffer>();
    expect(Buffer.isBuffer(bytes.body)).toBe(true);

    const bodyOnly = await s.request("GET", `${server.origin}/o`, {
      responseType: "json",
      resolveBodyOnly: true,
    });
    expectTypeOf(bodyOnly).toEqualTypeOf<unknown>();
    expect(bodyOnly).toEqual({ path: "/o" });
  });

  it("the module-level functions too", async () => {
    const json = await get<{ path: string }>(`${server.origin}/m`, {
      responseType: "json",
      cert: false,
      ...trustTestCa(),
    });
    expect(json.body.path).toBe("/m");
    expectTypeOf(request).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(get(`${server.origin}/x`, { cert: false, ...trustTestCa() })).toEqualTypeOf<
      CancelableRequest<Response<string>>
    >();
  });
});

describe("raiseForStatus per request", () => {
  it("resolves a 404 when a request says raiseForStatus: false, and the next request rejects again", async () => {
    const s = session();
    const res = await s.get(`${server.origin}/missing`, { raiseForStatus: false });
    expect(res.statusCode).toBe(404);
    await expect(s.get(`${server.origin}/missing`, { retry: { limit: 0 } })).rejects.toBeInstanceOf(
      HTTPError,
    );
  });

  it("rejects a 404 when a request says raiseForStatus: true on a session that does not", async () => {
    const s = new Session({ cert: false, token: false, raiseForStatus: false, ...trustTestCa() });
    expect((await s.get(`${server.origin}/missing`)).statusCode).toBe(404);
    const err = await s
      .get(`${server.origin}/missing`, { raiseForStatus: true, retry: { limit: 0 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HTTPError);
    expect(String((err as Error).message).split("\n")).toHaveLength(1);
  });

  it("works for the module-level functions", async () => {
    const res = await get(`${server.origin}/missing`, {
      raiseForStatus: false,
      cert: false,
      ...trustTestCa(),
    });
    expect(res.statusCode).toBe(404);
  });
});
