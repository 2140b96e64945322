// The demo, step by step: a Session discovering each kind of credential against a local
// service, then the igwn-auth command doing the same, printing what was sent and what came
// back. Every step checks its outcome, so a broken library makes the demo fail loudly.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatBytes, formatTimeLeft, formatValue } from "../cli/format.js";
import { warningLine } from "../cli/warnings.js";
import { type ScitokenStrategy, Session } from "../index.js";
import { loadX509CertificateFile } from "../x509/credential.js";
import { runIgwnAuth } from "./cli.js";
import { DemoFailure, detail, expectThat, say, step } from "./report.js";
import type { ServiceView } from "./service.js";
import { createDemoSetup, type DemoSetup } from "./setup.js";

function indent(text: string, prefix = "     "): string {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => (line.trim() === "" ? "" : `${prefix}${line}`))
    .join("\n");
}

function tokenSeen(view: ServiceView): string {
  if (view.token === null) return "no token";
  if ("refused" in view.token) return `a token it refused (${view.token.refused})`;
  return `a valid token (sub ${formatValue(view.token.sub)}, scope ${formatValue(view.token.scope)})`;
}

function certificateSeen(view: ServiceView): string {
  return view.clientCertificate
    ? `client certificate ${view.clientCertificate.subject}`
    : "no client certificate";
}

function showSetup(setup: DemoSetup): void {
  const proxy = loadX509CertificateFile(setup.proxyFile);
  step(`Set-up, all on loopback, files in ${setup.dir}`);
  detail("issuer", `${setup.issuer.url} (OpenID metadata and JWKS, RS256 and ES256 keys)`);
  detail(
    "service",
    `${setup.service.origin} (accepts SciTokens, X.509 client certificates, basic auth)`,
  );
  detail("elsewhere", `${setup.elsewhere.origin} (another origin, where /redirect leads)`);
  detail("CA", `${setup.caFile} (signed both servers' certificates)`);
  detail(
    "token",
    `$BEARER_TOKEN_FILE = ${setup.tokenFile}\naud ${setup.audience}, scope ${setup.scope}, issued by the issuer above`,
  );
  detail(
    "proxy",
    `$X509_USER_PROXY = ${setup.proxyFile}\n${proxy.subject}\n(RFC 3820 proxy, ${formatTimeLeft(proxy.timeLeft())})`,
  );
  detail("netrc", `$NETRC = ${setup.netrcFile} (machine 127.0.0.1 login ${setup.basicUser})`);
}

async function whoami(
  session: Session,
  url: string,
  options = {},
): Promise<{ status: number; view: ServiceView }> {
  const res = await session.get(url, { throwHttpErrors: false, ...options });
  const body = JSON.parse(res.body) as ServiceView | { seen: ServiceView };
  return { status: res.statusCode, view: "seen" in body ? body.seen : body };
}

async function sessionSteps(setup: DemoSetup): Promise<void> {
  const origin = setup.service.origin;
  const url = `${origin}/whoami`;
  step("1. A Session that discovers its credentials");
  say("   new Session({ url, https: { certificateAuthority: ca }, tokenVerification: { ca } })");
  const session = new Session({
    url: origin,
    https: { certificateAuthority: setup.ca },
    tokenVerification: { ca: setup.ca },
  });
  const found = await (session.auth as ScitokenStrategy).find(url);
  expectThat(found !== undefined, "the Session found no token");
  detail("found", `token in ${found?.source}\ncertificate ${String(session.cert)}`);
  const first = await whoami(session, url);
  detail(
    "sent",
    `GET ${url}\nAuthorization: Bearer <the token: ${found ? `sub ${formatValue(found.token.claims.sub)}, ${formatTimeLeft(found.token.timeLeft())}` : ""}>\nthe proxy certificate, in the TLS handshake`,
  );
  detail(
    "came back",
    `${first.status}: the service saw ${tokenSeen(first.view)}\nand ${certificateSeen(first.view)}`,
  );
  expectThat(first.status === 200, `the service answered ${first.status}`);
  expectThat(
    first.view.token !== null && !("refused" in first.view.token),
    "the service did not accept the token",
  );
  expectThat(
    first.view.clientCertificate?.subject.includes("CN=Albert Einstein") === true,
    "the service saw no proxy certificate",
  );

  step("2. One request with token: false — netrc basic auth instead");
  say("   session.get(url, { token: false })");
  const second = await whoami(session, url, { token: false });
  const basic = second.view.basic;
  detail(
    "sent",
    `Authorization: Basic <${setup.basicUser} and the password from $NETRC>\nthe proxy certificate, as before`,
  );
  detail(
    "came back",
    `${second.status}: the service saw basic auth for ${basic && "user" in basic ? basic.user : "nobody"}, and ${tokenSeen(second.view)}`,
  );
  expectThat(
    basic !== null && "user" in basic && basic.user === setup.basicUser,
    "the service saw no netrc credentials",
  );
  expectThat(second.view.token === null, "a token was sent with token: false");

  step("3. A redirect to another origin: the token stays behind");
  const redirected = await session.get(`${origin}/redirect`, { throwHttpErrors: false });
  const landed = setup.elsewhere.requests.at(-1);
  detail("sent", `GET ${origin}/redirect, with the token`);
  detail(
    "came back",
    `302 to ${setup.elsewhere.origin}/landing, then ${redirected.statusCode} from there`,
  );
  detail(
    "elsewhere",
    `received Authorization: ${landed?.headers.authorization === undefined ? "none" : "A TOKEN (this is a bug)"}`,
  );
  expectThat(
    landed !== undefined && landed.headers.authorization === undefined,
    "the token went to another origin",
  );

  step("4. forceNoauth: no credentials at all");
  const anonymous = await whoami(session, url, { forceNoauth: true });
  detail(
    "came back",
    `${anonymous.status}: the service saw ${tokenSeen(anonymous.view)} and ${certificateSeen(anonymous.view)}`,
  );
  expectThat(anonymous.status === 401, `an anonymous request got ${anonymous.status}, not 401`);
}

async function cliSteps(setup: DemoSetup): Promise<void> {
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: setup.caFile };
  const frameName = "H-H1_DEMO-1400000000-16.gwf";
  const frameUrl = `${setup.service.origin}/frames/${frameName}`;
  const output = join(setup.dir, frameName);
  step("5. The igwn-auth command, with the same environment (NODE_EXTRA_CA_CERTS = the CA)");
  const runs: { args: string[]; expect: number; after?: () => string }[] = [
    { args: ["token", frameUrl], expect: 0 },
    {
      args: ["get", frameUrl, "-o", output],
      expect: 0,
      after: () => {
        const body = readFileSync(output);
        const same =
          createHash("sha256").update(body).digest("hex") ===
          createHash("sha256").update(setup.frame).digest("hex");
        expectThat(same, "the file igwn-auth wrote differs from what the service sent");
        return `wrote ${formatBytes(body.length)} to ${output}, the same bytes the service sent`;
      },
    },
    { args: ["get", "--no-auth", frameUrl], expect: 1 },
    { args: ["diagnose", frameUrl], expect: 0 },
  ];
  for (const run of runs) {
    say();
    say(`   $ igwn-auth ${run.args.join(" ")}`);
    const outcome = await runIgwnAuth(run.args, env);
    if (outcome.stdout.trim() !== "") say(indent(outcome.stdout));
    if (outcome.stderr.trim() !== "") say(indent(outcome.stderr, "     stderr: "));
    say(
      `     exit ${outcome.code}${run.after && outcome.code === run.expect ? `; ${run.after()}` : ""}`,
    );
    expectThat(
      outcome.code === run.expect,
      `igwn-auth ${run.args[0]} exited ${outcome.code}, not ${run.expect}`,
    );
  }
}

/** Run the whole demo; resolves to the process exit code. */
export async function runDemo(): Promise<number> {
  // The X.509 retirement notice, on one line where it happens, not in Node's format.
  process.removeAllListeners("warning");
  process.on("warning", (warning) => say(`   (warning) ${warningLine(warning)}`));
  say(
    "igwn-auth-utils demo: a local token issuer and HTTPS service, a Session and the igwn-auth command",
  );
  let setup: DemoSetup | undefined;
  try {
    setup = await createDemoSetup();
    showSetup(setup);
    await sessionSteps(setup);
    await cliSteps(setup);
    say();
    say("Demo finished: every step did what it should.");
    return 0;
  } catch (err) {
    say();
    const message = err instanceof Error ? err.message : String(err);
    say(
      err instanceof DemoFailure
        ? `Demo FAILED: ${message}`
        : `Demo FAILED with an error: ${message}`,
    );
    return 1;
  } finally {
    if (setup) {
      await setup.close();
      say(`Cleaned up: servers closed, ${setup.dir} removed.`);
    }
  }
}
