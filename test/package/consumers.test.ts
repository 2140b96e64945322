// The package as real projects install it: the packed tarball, in consumer projects that
// bring their own tsyringe (4.8, the oldest supported), got (14.6.6) and reflect-metadata —
// an ESM TypeScript project with experimentalDecorators (compiled with and without
// emitDecoratorMetadata) and a CommonJS project using require(). Each must share one
// tsyringe container with the library, have its SESSION_OPTIONS and AUTH_STRATEGIES
// honoured, and see got's HTTPError as its own. Runs on whichever Node runs the suite.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChildOutcome, runCommand as run, runNode } from "../../src/testing/child-process.js";
import { tempDir, writeFile } from "../helpers/env.js";
import { startServer, type TestServer } from "../helpers/https-server.js";
import { testPki } from "../helpers/pki.js";

const ROOT = resolve(import.meta.dirname, "../..");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const CONSUMER_DEPENDENCIES = { tsyringe: "4.8.0", got: "14.6.6", "reflect-metadata": "0.2.2" };
const INSTALL_TIMEOUT_MS = 120_000;

const NETWORK_FAILURE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|network/i;

let server: TestServer;
let work: string;
let tarball: string;
let caFile: string;
let skipReason: string | undefined;
const projects: Record<"esm" | "cjs", string> = { esm: "", cjs: "" };
const compilations: Record<string, Promise<ChildOutcome>> = {};

const ESM_SOURCE = `
import "reflect-metadata";
import { createRequire } from "node:module";
import { HTTPError } from "got";
import { container, inject, injectable } from "tsyringe";
import {
  AUTH_STRATEGIES,
  type AuthStrategy,
  HTTPError as LibraryHTTPError,
  SESSION_OPTIONS,
  Session,
} from "igwn-auth-utils";

const origin = process.argv[2];

@injectable()
class DataFind {
  constructor(@inject(Session) private readonly session: Session) {}
  echo() {
    return this.session.get<{ headers: Record<string, string> }>(\`\${origin}/echo\`, {
      responseType: "json",
    });
  }
  missing() {
    return this.session.get(\`\${origin}/missing\`, { retry: { limit: 0 } });
  }
}

const requestId: AuthStrategy = {
  name: "request-id",
  authorize(request) {
    request.headers["x-request-id"] = "consumer-1";
  },
};

const scope = container.createChildContainer();
scope.register(SESSION_OPTIONS, { useValue: { token: "consumer-token", cert: false } });
scope.register(AUTH_STRATEGIES, { useValue: requestId });
const datafind = scope.resolve(DataFind);
const { body } = await datafind.echo();
const error = await datafind.missing().catch((err: unknown) => err);
const fromLibrary = createRequire(import.meta.resolve("igwn-auth-utils"));
const fromHere = createRequire(import.meta.url);
console.log(
  JSON.stringify({
    authorization: body.headers.authorization,
    requestId: body.headers["x-request-id"],
    httpError: error instanceof HTTPError,
    libraryHttpError: error instanceof LibraryHTTPError,
    rootSession: container.resolve(Session) instanceof Session,
    oneTsyringe: fromLibrary.resolve("tsyringe") === fromHere.resolve("tsyringe"),
    oneGot: fromLibrary.resolve("got") === fromHere.resolve("got"),
  }),
);
`;

const CJS_SOURCE = `
"use strict";
require("reflect-metadata");
const { container } = require("tsyringe");
const { HTTPError } = require("got");
const { AUTH_STRATEGIES, SESSION_OPTIONS, Session } = require("igwn-auth-utils");

const origin = process.argv[2];
const scope = container.createChildContainer();
scope.register(SESSION_OPTIONS, { useValue: { token: "consumer-token", cert: false } });
scope.register(AUTH_STRATEGIES, {
  useValue: {
    name: "request-id",
    authorize(request) {
      request.headers["x-request-id"] = "consumer-1";
    },
  },
});
(async () => {
  const session = scope.resolve(Session);
  const { body } = await session.get(origin + "/echo", { responseType: "json" });
  const error = await session.get(origin + "/missing", { retry: { limit: 0 } }).catch((e) => e);
  console.log(
    JSON.stringify({
      authorization: body.headers.authorization,
      requestId: body.headers["x-request-id"],
      httpError: error instanceof HTTPError,
      rootSession: container.resolve(Session) instanceof Session,
      oneTsyringe: require.resolve("tsyringe", { paths: [require.resolve("igwn-auth-utils")] }) === require.resolve("tsyringe"),
    }),
  );
})();
`;

function tsconfig(emitDecoratorMetadata: boolean, outDir: string): string {
  return JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata,
      // The consumer's own code is checked against the package's types: what a second copy
      // of tsyringe would break ("separate declarations of a private property").
      skipLibCheck: true,
      outDir,
      rootDir: "src",
      typeRoots: [join(ROOT, "node_modules", "@types")],
      types: ["node"],
    },
    include: ["src"],
  });
}

/** A consumer project with its own dependencies and the packed tarball. */
function makeProject(name: string, type: "module" | "commonjs"): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "src"), { recursive: true });
  copyFileSync(tarball, join(dir, "igwn-auth-utils.tgz"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({
      name: `consumer-${name}`,
      private: true,
      type,
      dependencies: { ...CONSUMER_DEPENDENCIES, "igwn-auth-utils": "file:igwn-auth-utils.tgz" },
    }),
  );
  return dir;
}

async function install(dir: string): Promise<string | undefined> {
  const result = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: dir,
    env: process.env,
    timeoutMs: INSTALL_TIMEOUT_MS,
  });
  if (result.code === 0) return undefined;
  const required = process.env.IGWN_PACKAGE_TESTS_REQUIRED === "1";
  if (!required && NETWORK_FAILURE.test(result.stderr)) {
    return `the npm registry cannot be reached: ${result.stderr.split("\n")[0]}`;
  }
  throw new Error(`npm install failed in ${dir}:\n${result.stderr}`);
}

function consumerEnv(): NodeJS.ProcessEnv {
  const { IGWN_TEST_ROOT: _root, ...rest } = process.env;
  return { ...rest, NODE_EXTRA_CA_CERTS: caFile };
}

beforeAll(async () => {
  server = await startServer();
  server.handle((req, res, recorded) => {
    if (req.url === "/missing") {
      res.writeHead(404).end("nope");
      return;
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ headers: recorded.headers }));
  });
  if (!existsSync(join(ROOT, "dist", "index.js"))) {
    skipReason = "dist/ is missing: run npm run build first (npm test does)";
    return;
  }
  work = tempDir("consumers-");
  caFile = writeFile(join(work, "ca.pem"), testPki().ca.certPem);
  // dist/ was built by npm test: pack it as it is (prepack would build it again under the
  // feet of the other test files).
  const packed = await run("npm", ["pack", "--ignore-scripts", "--pack-destination", work], {
    cwd: ROOT,
    env: process.env,
  });
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  tarball = join(work, readdirSync(work).find((f) => f.endsWith(".tgz")) as string);
  projects.esm = makeProject("esm", "module");
  projects.cjs = makeProject("cjs", "commonjs");
  writeFileSync(join(projects.esm, "src", "main.ts"), ESM_SOURCE);
  writeFileSync(join(projects.esm, "tsconfig.json"), tsconfig(false, "out"));
  writeFileSync(join(projects.esm, "tsconfig.metadata.json"), tsconfig(true, "out-metadata"));
  writeFileSync(join(projects.cjs, "src", "main.cjs"), CJS_SOURCE);
  const reasons = await Promise.all([install(projects.esm), install(projects.cjs)]);
  skipReason = reasons.find((reason) => reason !== undefined);
  if (skipReason) return;
  // Both compilations at once: they are the slow part.
  for (const config of ["tsconfig.json", "tsconfig.metadata.json"]) {
    compilations[config] = runNode([TSC, "-p", join(projects.esm, config)], { timeoutMs: 60_000 });
    compilations[config]?.catch(() => undefined);
  }
}, INSTALL_TIMEOUT_MS + 30_000);

afterAll(() => server?.close());

describe("the packed tarball", () => {
  it("holds the library, its types and the CLI, and nothing else", async () => {
    const listed = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: ROOT,
      env: process.env,
    });
    expect(listed.code).toBe(0);
    const [{ files }] = JSON.parse(listed.stdout) as [{ files: Array<{ path: string }> }];
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "dist/index.js",
        "dist/index.d.ts",
        "dist/cli/main.js",
        "package.json",
        "README.md",
      ]),
    );
    const unexpected = paths.filter(
      (path) =>
        !/^dist\/(index\.js|cli\/main\.js|chunks\/[\w-]+\.js|.*\.d\.ts)$/.test(path) &&
        !["package.json", "README.md", "SECURITY.md"].includes(path),
    );
    expect(unexpected).toEqual([]);
    expect(paths.filter((path) => /dev\/|demo|testing|\.map$/.test(path))).toEqual([]);
  });
});

describe("a consumer project with its own tsyringe 4.8, got 14.6.6 and reflect-metadata", () => {
  it.for([
    ["experimentalDecorators", "tsconfig.json", "out"],
    ["experimentalDecorators and emitDecoratorMetadata", "tsconfig.metadata.json", "out-metadata"],
  ] as const)(
    "ESM TypeScript with %s: one container, its options and strategies, got's HTTPError",
    { timeout: 90_000 },
    async ([, config, outDir], ctx) => {
      if (skipReason) ctx.skip(skipReason);
      const compiled = await (compilations[config] as Promise<ChildOutcome>);
      expect(compiled.stdout + compiled.stderr).toBe("");
      expect(compiled.code).toBe(0);
      const result = await runNode([join(projects.esm, outDir, "main.js"), server.origin], {
        env: consumerEnv(),
      });
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout)).toEqual({
        authorization: "Bearer consumer-token",
        requestId: "consumer-1",
        httpError: true,
        libraryHttpError: true,
        rootSession: true,
        oneTsyringe: true,
        oneGot: true,
      });
    },
  );

  it("CommonJS with require(): one container, its options and strategies, got's HTTPError", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const result = await runNode([join(projects.cjs, "src", "main.cjs"), server.origin], {
      env: consumerEnv(),
    });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      authorization: "Bearer consumer-token",
      requestId: "consumer-1",
      httpError: true,
      rootSession: true,
      oneTsyringe: true,
    });
  });

  it("runs the igwn-auth command the package installs", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const cli = join(projects.cjs, "node_modules", ".bin", "igwn-auth");
    const result = await run(cli, ["--help"], { cwd: projects.cjs, env: consumerEnv() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: igwn-auth/);
  });
});
