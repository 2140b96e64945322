// Everything the demo runs against, made on the fly in a temporary folder: a token issuer,
// the service, a second origin for the redirect, a CA file, a bearer token file, an X.509
// proxy and a netrc file; and an environment that points discovery at them alone.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type TestServer } from "../testing/https-server.js";
import { startIssuer, type TestIssuer } from "../testing/issuer.js";
import { testPki } from "../testing/pki.js";
import {
  issueProxyCertificate,
  issueUserCertificate,
  testUserCa,
  writeCredentialFile,
  writeProxyFile,
} from "../testing/x509-pki.js";
import { fetchIssuerKeys, serveDemo } from "./service.js";

// Variables that would make discovery look somewhere else than the demo's folder.
const CLEARED = [
  "SCITOKEN",
  "SCITOKEN_FILE",
  "_CONDOR_CREDS",
  "BEARER_TOKEN",
  "X509_USER_CERT",
  "X509_USER_KEY",
  "IGWN_AUTH_UTILS_FIND_X509",
  "IGWN_AUTH_UTILS_FIND_SCITOKEN",
];

/** The demo's servers, files and environment. */
export interface DemoSetup {
  readonly dir: string;
  readonly issuer: TestIssuer;
  readonly service: TestServer;
  /** A second origin, the target of the service's `/redirect`. */
  readonly elsewhere: TestServer;
  /** PEM of the CA that signed every server certificate. */
  readonly ca: string;
  readonly caFile: string;
  readonly tokenFile: string;
  readonly proxyFile: string;
  readonly netrcFile: string;
  readonly basicUser: string;
  /** The `aud` of the token and of the service. */
  readonly audience: string;
  readonly scope: string;
  readonly frame: Buffer;
  /** Put the environment back and remove everything. */
  close(): Promise<void>;
}

/** Point discovery at `dir` only; returns how to put the environment back. */
function isolateEnvironment(vars: Record<string, string>): () => void {
  const saved = new Map<string, string | undefined>();
  const set = (name: string, value: string | undefined) => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  for (const name of CLEARED) set(name, undefined);
  for (const [name, value] of Object.entries(vars)) set(name, value);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** Start the servers and write the credentials; on any failure, undo what was done. */
export async function createDemoSetup(): Promise<DemoSetup> {
  const dir = mkdtempSync(join(tmpdir(), "igwn-auth-demo-"));
  const closers: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    for (const sub of ["home", "run", "cache"]) mkdirSync(join(dir, sub), { mode: 0o700 });
    const ca = testPki().ca.certPem;
    const caFile = writeCredentialFile(dir, "ca.pem", ca);

    const issuer = await startIssuer({ path: "/igwn" });
    closers.push(() => issuer.close());
    const elsewhere = await startServer();
    closers.push(() => elsewhere.close());
    const service = await startServer({ requestCert: true, clientCa: [testUserCa().certPem] });
    closers.push(() => service.close());

    const audience = "https://127.0.0.1";
    const scope = "read:/frames";
    const uid = process.getuid?.() ?? 0;
    const token = await issuer.mint({ aud: audience, scope, sub: "albert.einstein" });
    const tokenFile = writeCredentialFile(join(dir, "run"), `bt_u${uid}`, `${token}\n`);
    const user = issueUserCertificate({ commonName: "Albert Einstein albert.einstein@ligo.org" });
    const proxyFile = writeProxyFile(dir, issueProxyCertificate(user), [user], `x509up_u${uid}`);
    const basicUser = "albert.einstein";
    const basicPassword = randomBytes(12).toString("base64url");
    const netrcFile = writeCredentialFile(
      dir,
      "netrc",
      `machine 127.0.0.1 login ${basicUser} password ${basicPassword}\n`,
    );
    const frame = randomBytes(256 * 1024);
    serveDemo(service, {
      issuer: issuer.url,
      audience,
      keys: await fetchIssuerKeys(issuer.url, ca),
      basicUser,
      basicPassword,
      elsewhere: elsewhere.origin,
      frame,
    });

    closers.push(
      isolateEnvironment({
        HOME: join(dir, "home"),
        XDG_RUNTIME_DIR: join(dir, "run"),
        XDG_CACHE_HOME: join(dir, "cache"),
        BEARER_TOKEN_FILE: tokenFile,
        X509_USER_PROXY: proxyFile,
        NETRC: netrcFile,
      }),
    );
    return {
      dir,
      issuer,
      service,
      elsewhere,
      ca,
      caFile,
      tokenFile,
      proxyFile,
      netrcFile,
      basicUser,
      audience,
      scope,
      frame,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
