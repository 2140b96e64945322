// A plain `new Session()` says nothing: no warning for a user without X.509, and the
// retirement warning once, only when a certificate is actually presented. Each case runs in
// a fresh process, as a user's program would (warnings are once per process).
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNode } from "../../src/testing/child-process.js";
import { tempDir } from "../helpers/env.js";
import { startServer, type TestServer } from "../helpers/https-server.js";
import { testPki } from "../helpers/pki.js";
import {
  issueProxyCertificate,
  issueUserCertificate,
  testUserCa,
  writeCredentialFile,
  writeProxyFile,
} from "../helpers/x509-pki.js";

const DIST = resolve(import.meta.dirname, "../../dist/index.js");

let server: TestServer;
let caFile: string;
beforeAll(async () => {
  server = await startServer({ requestCert: true, clientCa: [testUserCa().certPem] });
  caFile = writeCredentialFile(tempDir("quiet-"), "ca.pem", testPki().ca.certPem);
});
afterAll(() => server.close());

const SCRIPT = `
import { Session } from ${JSON.stringify(DIST)};
const [url] = process.argv.slice(1);
const session = new Session();
for (let i = 0; i < 2; i++) console.log((await session.get(url)).statusCode);
`;

function run(env: NodeJS.ProcessEnv) {
  const { IGWN_TEST_ROOT: _root, NODE_OPTIONS: _options, ...rest } = process.env;
  return runNode(["--input-type=module", "-e", SCRIPT, `${server.origin}/x`], {
    env: { ...rest, NODE_EXTRA_CA_CERTS: caFile, ...env },
  });
}

describe.skipIf(!existsSync(DIST))("a default Session", () => {
  it("prints nothing when there is no certificate anywhere", async () => {
    const home = tempDir("home-");
    const result = await run({ HOME: home, XDG_RUNTIME_DIR: home, X509_USER_PROXY: undefined });
    expect(result.stdout).toBe("200\n200\n");
    expect(result.stderr).toBe("");
    expect(server.requests.at(-1)?.clientChain).toEqual([]);
  });

  it("warns once that LIGO.ORG X.509 is retired when it presents a certificate", async () => {
    const dir = tempDir("proxy-");
    const user = issueUserCertificate({ commonName: "Quiet User" });
    const proxy = writeProxyFile(dir, issueProxyCertificate(user), [user]);
    const result = await run({ HOME: dir, XDG_RUNTIME_DIR: dir, X509_USER_PROXY: proxy });
    expect(result.stdout).toBe("200\n200\n");
    expect(server.requests.at(-1)?.clientChain[0]).toContain("Quiet User");
    expect(result.stderr.match(/DeprecationWarning/g)).toHaveLength(1);
    expect(result.stderr).toContain("identity-based X.509 credentials for LIGO.ORG are retired");
  });
});
