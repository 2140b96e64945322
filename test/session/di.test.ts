// This file imports tsyringe itself, which (as for any tsyringe user) needs the Reflect
// polyfill loaded first; the package alone needs nothing (see import.test.ts).
import "reflect-metadata";
import { container, inject, injectable } from "tsyringe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AUTH_STRATEGIES,
  AuthResolver,
  type AuthStrategy,
  NetrcBasicStrategy,
  ScitokenStrategy,
  SESSION_OPTIONS,
  Session,
} from "../../src/index.js";
import { startServer, type TestServer, trustTestCa } from "../helpers/https-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
});

function headerStrategy(name: string, value: string): AuthStrategy {
  return {
    name,
    authorize(request) {
      request.headers[`x-${name}`] = value;
    },
  };
}

describe("dependency injection", () => {
  it("resolves a Session from the root container without SESSION_OPTIONS", () => {
    const session = container.resolve(Session);
    expect(session).toBeInstanceOf(Session);
    expect(session.auth).toBeInstanceOf(ScitokenStrategy);
  });

  it("resolves a Session with the options registered under SESSION_OPTIONS", () => {
    const child = container.createChildContainer();
    child.register(SESSION_OPTIONS, {
      useValue: { token: false, cert: false, url: "https://x.example.org" },
    });
    const session = child.resolve(Session);
    expect(session.url).toBe("https://x.example.org");
    expect(session.toJSON()).toMatchObject({ auth: "netrc" });
  });

  it("applies strategies registered in a child container only to sessions it makes", async () => {
    const child = container.createChildContainer();
    child.register(AUTH_STRATEGIES, { useValue: headerStrategy("one", "1") });
    child.register(AUTH_STRATEGIES, { useValue: headerStrategy("two", "2") });
    child.register(SESSION_OPTIONS, { useValue: { cert: false, ...trustTestCa() } });
    await child.resolve(Session).get(`${server.origin}/child`);
    await new Session({ cert: false, ...trustTestCa() }).get(`${server.origin}/root`);
    expect(server.requests[0]?.headers).toMatchObject({ "x-one": "1", "x-two": "2" });
    expect(server.requests[1]?.headers["x-one"]).toBeUndefined();
    expect(child.resolve(Session).toJSON()).toMatchObject({
      strategies: ["scitoken", "one", "two"],
    });
  });

  it("applies root-container strategies to new Session() and switches them off with forceNoauth", async () => {
    const strategy = headerStrategy("root", "r");
    container.register(AUTH_STRATEGIES, { useValue: strategy });
    try {
      await new Session({ cert: false, ...trustTestCa() }).get(`${server.origin}/a`);
      await new Session({ forceNoauth: true, ...trustTestCa() }).get(`${server.origin}/b`);
      expect(server.requests[0]?.headers["x-root"]).toBe("r");
      expect(server.requests[1]?.headers["x-root"]).toBeUndefined();
    } finally {
      container.clearInstances();
      container.reset();
    }
  });

  it("injects a Session into a service by constructor injection", async () => {
    @injectable()
    class DataFindClient {
      constructor(@inject(Session) readonly session: Session) {}
      async ping(): Promise<string> {
        return (await this.session.get(`${server.origin}/ping`)).body;
      }
    }
    const child = container.createChildContainer();
    child.register(SESSION_OPTIONS, {
      useValue: { token: "service-token", cert: false, ...trustTestCa() },
    });
    server.handle((_req, res) => res.end("pong"));
    const client = child.resolve(DataFindClient);
    expect(await client.ping()).toBe("pong");
    expect(server.requests[0]?.headers.authorization).toBe("Bearer service-token");
  });

  it("uses a replacement AuthResolver registered in the container", () => {
    class NetrcOnlyResolver extends AuthResolver {
      override resolveHeaderStrategy() {
        return new NetrcBasicStrategy();
      }
    }
    const child = container.createChildContainer();
    child.register(AuthResolver, { useClass: NetrcOnlyResolver });
    expect(child.resolve(Session).toJSON()).toMatchObject({ auth: "netrc" });
  });
});
