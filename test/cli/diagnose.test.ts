import { chmodSync, copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  issueProxyCertificate,
  issueUserCertificate,
  writeCredentialFile,
  writeProxyFile,
} from "../helpers/x509-pki.js";
import { bareEnv, type CliWorld, errors, runCli, startWorld } from "./world.js";

let world: CliWorld;
let url: string;

beforeAll(async () => {
  world = await startWorld();
  url = `${world.server.origin}/data`;
});
afterAll(async () => {
  await world?.close();
});

describe("igwn-auth diagnose", () => {
  it("shows every candidate in order and what a request would carry", async () => {
    const result = await runCli(["diagnose", url], { env: world.env });
    expect(errors(result)).toBe("");
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^Credentials for https:\/\/127\.0\.0\.1:\d+\/data\n/);
    // X.509, in discovery order, the proxy taken.
    const x509 = out.slice(out.indexOf("X.509 certificate:"), out.indexOf("SciToken:"));
    expect(x509.indexOf("X509_USER_CERT/X509_USER_KEY")).toBeLessThan(
      x509.indexOf("✓ X509_USER_PROXY"),
    );
    expect(x509).toMatch(/- ~\/\.globus .*do(es)? not exist/);
    // Tokens for the URL's audience, in discovery order.
    expect(out).toMatch(
      /SciToken: discovery for audience https:\/\/127\.0\.0\.1, https:\/\/127\.0\.0\.1:\d+, scope any, issuer any/,
    );
    expect(out).toMatch(
      new RegExp(`✓ \\$BEARER_TOKEN_FILE \\(${world.tokenFile}\\): valid \\[sub albert\\.einstein`),
    );
    expect(out.indexOf("$SCITOKEN:")).toBeLessThan(out.indexOf("$BEARER_TOKEN_FILE"));
    expect(out).toMatch(/netrc \(basic auth\): not used: netrc is only used when tokens are off/);
    expect(out).toMatch(/Verdict: a request to .* would carry\n/);
    expect(out).toMatch(/• X\.509 proxy certificate \/DC=org.* \(from X509_USER_PROXY\)/);
    expect(out).toMatch(
      /• bearer token from \$BEARER_TOKEN_FILE .*\(sub albert\.einstein, scope read:\/data/,
    );
  });

  it("reports the same as JSON with --json", async () => {
    const result = await runCli(["diagnose", "--json", url], { env: world.env });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.authenticated).toBe(true);
    expect(json.credentials.map((c: { kind: string }) => c.kind)).toEqual(["x509", "bearer"]);
    expect(json.x509.selected).toMatchObject({ source: "X509_USER_PROXY", isProxy: true });
    expect(json.token).toMatchObject({
      mode: "discover",
      audience: ["https://127.0.0.1", new URL(url).origin],
    });
    expect(json.token.selected).toMatchObject({ path: world.tokenFile });
    expect(json.netrc.used).toBe(false);
  });

  it("says why each token was passed over, and that a later valid one comes second", async () => {
    const other = writeCredentialFile(
      world.dir,
      "other-token",
      await world.issuer.mint({ aud: "https://elsewhere.example.org" }),
    );
    const second = writeCredentialFile(
      world.dir,
      "second-token",
      await world.issuer.mint({ aud: "https://127.0.0.1" }),
    );
    const result = await runCli(["diagnose", "--json", url], {
      env: { ...world.env, SCITOKEN_FILE: other },
    });
    const later = await runCli(["diagnose", "--json", url], {
      env: { ...world.env, SCITOKEN_FILE: second },
    });
    const first = JSON.parse(result.stdout).token.candidates;
    expect(first.find((c: { path?: string }) => c.path === other)).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/claim 'aud' .*does not match the requested audience/),
    });
    const candidates = JSON.parse(later.stdout).token.candidates;
    expect(candidates.find((c: { path?: string }) => c.path === second).accepted).toBe(true);
    const passed = candidates.find((c: { path?: string }) => c.path === world.tokenFile);
    expect(passed).toMatchObject({ accepted: false, reason: expect.stringMatching(/^valid, but/) });
  });

  it("exits 2 and says why when nothing would be sent", async () => {
    const result = await runCli(["diagnose", url], { env: bareEnv(world) });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      /Verdict: no credential would be sent to .* \(no valid X\.509 certificate; no valid token/,
    );
    const noAuth = await runCli(["diagnose", "--no-auth", "--json", url], { env: world.env });
    expect(noAuth.code).toBe(2);
    expect(JSON.parse(noAuth.stdout)).toMatchObject({
      authenticated: false,
      credentials: [],
      x509: { mode: "off", why: "--no-auth" },
      token: { mode: "off", why: "--no-auth" },
    });
  });

  it("looks in netrc only with --token false, and shows the login but never the password", async () => {
    const netrc = writeCredentialFile(
      world.dir,
      "netrc",
      "machine 127.0.0.1 login albert password s3cr3t-netrc-pw\n",
    );
    const env = { ...bareEnv(world), NETRC: netrc };
    const tokensOn = await runCli(["diagnose", url], { env });
    expect(tokensOn.code).toBe(2);
    expect(tokensOn.stdout).toMatch(/not used: netrc is only used when tokens are off/);
    expect(tokensOn.stdout).toMatch(/has an entry for 127\.0\.0\.1 \(login albert\)/);
    const tokensOff = await runCli(["diagnose", "--token", "false", url], { env });
    expect(tokensOff.code).toBe(0);
    expect(tokensOff.stdout).toMatch(/SciToken: off \(--token false\)/);
    expect(tokensOff.stdout).toMatch(/netrc \(basic auth\): used, as tokens are off/);
    expect(tokensOff.stdout).toMatch(/• basic auth for albert from netrc/);
    for (const output of [tokensOn, tokensOff]) {
      expect(output.stdout + output.stderr).not.toContain("s3cr3t-netrc-pw");
    }
  });

  it("never contradicts itself: a netrc others can read gives chmod 600 on its line and in the verdict", async () => {
    const netrc = writeCredentialFile(
      world.dir,
      "netrc-0644",
      "machine 127.0.0.1 login albert password pw\n",
    );
    chmodSync(netrc, 0o644);
    const result = await runCli(["diagnose", "--token", "false", "--cert", "false", url], {
      env: { ...bareEnv(world), NETRC: netrc },
    });
    expect(result.code).toBe(2);
    const out = result.stdout;
    const netrcLine = out.split("\n").find((line) => line.includes(`netrc file ${netrc}`));
    expect(netrcLine).toMatch(/has mode 644, which is too permissive .*fix with: chmod 600 /);
    const verdict = out.slice(out.indexOf("Verdict:"));
    expect(verdict).toContain(`fix with: chmod 600 ${netrc}`);
    expect(verdict).not.toContain("no netrc entry for this host");
  });

  it("judges a token given with --token against the URL's audience, and sends it anyway", async () => {
    const other = writeCredentialFile(
      world.dir,
      "explicit-other",
      await world.issuer.mint({ aud: "https://elsewhere.example.org" }),
    );
    const result = await runCli(["diagnose", "--token", other, "--cert", "false", url], {
      env: world.env,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/X\.509 certificate: off \(--cert false\)/);
    expect(result.stdout).toMatch(/! the token given is sent as is, but claim 'aud'/);
    expect(result.stdout).toMatch(/• bearer token from --token/);
  });

  it("says a legacy proxy is passed over and why; so does a request's debug log", async () => {
    const user = issueUserCertificate({ commonName: "Legacy User" });
    const legacy = issueProxyCertificate(user, { withoutProxyCertInfo: true, commonName: "proxy" });
    const path = writeProxyFile(world.dir, legacy, [user], "x509up_legacy");
    const env = { ...bareEnv(world), X509_USER_PROXY: path };
    const result = await runCli(["diagnose", url], { env });
    expect(result.stdout).toContain(
      `✗ X509_USER_PROXY (${path}): X.509 certificate file ${path} holds a legacy proxy: make an RFC 3820 one`,
    );
    const get = await runCli(["get", url], { env: { ...env, NODE_DEBUG: "igwn-auth" } });
    expect(get.code).toBe(0);
    expect(get.stderr).toMatch(
      /IGWN-AUTH \d+: x509: passed over X509_USER_PROXY: .*legacy proxy: make an RFC 3820 one/,
    );
    expect(JSON.parse(get.stdout).clientChain).toEqual([]);
  });

  it("says a legacy proxy given with --cert is presented, but likely refused", async () => {
    const user = issueUserCertificate({ commonName: "Legacy Explicit" });
    const legacy = issueProxyCertificate(user, { withoutProxyCertInfo: true, commonName: "proxy" });
    const path = writeProxyFile(world.dir, legacy, [user], "x509up_legacy_explicit");
    const result = await runCli(["diagnose", "--cert", path, url], { env: bareEnv(world) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "! the certificate given is presented as is, but it holds a legacy proxy: make an RFC 3820 one",
    );
    expect(result.stdout).toMatch(/• X\.509 proxy certificate .*CN=Legacy Explicit\/CN=proxy/);
  });

  it("says a token or proxy others could have written is passed over; so does the debug log", async () => {
    const shared = join(world.dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const token = join(shared, "bt");
    copyFileSync(world.tokenFile, token);
    chmodSync(token, 0o666);
    const proxy = join(shared, "x509up");
    copyFileSync(world.proxyFile, proxy);
    chmodSync(proxy, 0o622);
    const env = { ...bareEnv(world), BEARER_TOKEN_FILE: token, X509_USER_PROXY: proxy };
    const planted = `${shared} is a folder every user can write to: another user may have put it there, so it is not used`;
    const result = await runCli(["diagnose", url], { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(
      `✗ $BEARER_TOKEN_FILE (${token}): token file ${token} has mode 666: group or others may write to it, and ${planted}`,
    );
    expect(result.stdout).toContain(
      `✗ X509_USER_PROXY (${proxy}): X.509 certificate file ${proxy} has mode 622: group or others may write to it, and ${planted}`,
    );
    const get = await runCli(["get", url], { env: { ...env, NODE_DEBUG: "igwn-auth" } });
    expect(get.code).toBe(0);
    expect(get.stderr).toContain(
      `scitoken: found and rejected $BEARER_TOKEN_FILE (${token}): token file`,
    );
    expect(get.stderr).toContain(`x509: passed over X509_USER_PROXY: X.509 certificate file`);
    expect(JSON.parse(get.stdout)).toMatchObject({ bearer: false, clientChain: [] });
  });
});
