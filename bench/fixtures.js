// Credentials and environment for the benchmark, all in a fresh temporary folder: a CA and
// server certificate, a user certificate with an RFC 3820 proxy, a local token issuer with
// a token written to $BEARER_TOKEN_FILE, and a netrc file. No real user path is written.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLEARED = [
  "X509_USER_CERT",
  "X509_USER_KEY",
  "X509_USER_PROXY",
  "SCITOKEN",
  "SCITOKEN_FILE",
  "_CONDOR_CREDS",
  "BEARER_TOKEN",
  "BEARER_TOKEN_FILE",
  "IGWN_AUTH_UTILS_FIND_X509",
  "IGWN_AUTH_UTILS_FIND_SCITOKEN",
];

export const NETRC_LOGIN = "albert.einstein";
export const NETRC_PASSWORD = "bench-password";

/**
 * Point HOME, XDG_CACHE_HOME, XDG_RUNTIME_DIR and NETRC into a new temporary folder and
 * clear every credential variable; returns the folder. Child processes inherit this.
 */
export function isolateEnvironment() {
  const root = mkdtempSync(join(tmpdir(), "igwn-auth-bench-"));
  for (const name of CLEARED) delete process.env[name];
  for (const dir of ["home", "cache", "runtime"]) mkdirSync(join(root, dir), { mode: 0o700 });
  process.env.HOME = join(root, "home");
  process.env.XDG_CACHE_HOME = join(root, "cache");
  process.env.XDG_RUNTIME_DIR = join(root, "runtime");
  process.env.NETRC = join(root, "home", ".netrc");
  // The default locations discovery also looks at: their presence would change what is
  // measured (a proxy there would be presented by every session).
  const uid = process.getuid?.();
  if (uid !== undefined && existsSync(`/tmp/x509up_u${uid}`)) {
    throw new Error(`/tmp/x509up_u${uid} exists: it would be used by the sessions measured`);
  }
  return root;
}

function write600(path, text) {
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** Everything the rows need; `dist` is the URL of the built package's folder. */
export async function makeFixtures(root, dist) {
  const { testPki } = await import(new URL("dev/testing/pki.js", dist));
  const x509 = await import(new URL("dev/testing/x509-pki.js", dist));
  const { startIssuer } = await import(new URL("dev/testing/issuer.js", dist));

  const { ca, server } = testPki();
  const userCa = x509.testUserCa();
  const user = x509.issueUserCertificate();
  const proxy = x509.issueProxyCertificate(user);
  const proxyPath = x509.writeProxyFile(join(root, "home"), proxy, [user]);

  const issuer = await startIssuer();
  const token = await issuer.mint({ aud: "ANY", scope: "read:/ write:/" });
  const tokenPath = write600(join(root, "runtime", "bench-token"), token);
  process.env.BEARER_TOKEN_FILE = tokenPath;

  write600(
    process.env.NETRC,
    `machine 127.0.0.1 login ${NETRC_LOGIN} password ${NETRC_PASSWORD}\n`,
  );
  return {
    caPem: ca.certPem,
    serverTls: {
      keyPem: server.keyPem,
      certPem: server.certPem,
      caPem: ca.certPem,
      clientCaPem: userCa.certPem,
    },
    proxyPath,
    /** What the proxy file gives got: the proxy and the user certificate, and the proxy key. */
    proxyChainPem: proxy.certPem + user.certPem,
    proxyKeyPem: proxy.keyPem,
    proxyCommonName: proxy.commonName,
    issuer,
    token,
    tokenPath,
  };
}
