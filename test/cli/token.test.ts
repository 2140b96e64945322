import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeCredentialFile } from "../helpers/x509-pki.js";
import { bareEnv, type CliWorld, errors, runCli, startWorld } from "./world.js";

let world: CliWorld;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

describe("igwn-auth token", () => {
  it("shows where the token came from, its claims and time left", async () => {
    const result = await runCli(["token", `${world.server.origin}/data`], { env: world.env });
    expect(errors(result)).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(`SciToken from $BEARER_TOKEN_FILE (${world.tokenFile})`);
    expect(result.stdout).toMatch(new RegExp(`issuer\\s+${world.issuer.url}`));
    expect(result.stdout).toMatch(/subject\s+albert\.einstein/);
    expect(result.stdout).toMatch(/audience\s+https:\/\/127\.0\.0\.1\n/);
    expect(result.stdout).toMatch(/scope\s+read:\/data/);
    expect(result.stdout).toMatch(
      /expires\s+\d{4}-\d\d-\d\dT[\d:]+Z \((59 min \d+ s|1 h 0 min) left\)/,
    );
    expect(result.stdout).toMatch(/signed with\s+RS256, key rs256-/);
  });

  it("prints claims, source and seconds left as JSON with --json", async () => {
    const result = await runCli(["token", "--audience", "https://127.0.0.1", "--json"], {
      env: world.env,
    });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      found: true,
      source: `$BEARER_TOKEN_FILE (${world.tokenFile})`,
      path: world.tokenFile,
      header: { alg: "RS256" },
      claims: { iss: world.issuer.url, sub: "albert.einstein", scope: "read:/data" },
    });
    expect(json.timeLeft).toBeGreaterThan(3500);
    expect(json.serialized).toBeUndefined();
  });

  it("prints the serialised token only when asked with --raw", async () => {
    const raw = await runCli(["token", "--raw", `${world.server.origin}/`], { env: world.env });
    expect(raw.code).toBe(0);
    expect(raw.stdout).toBe(`${world.token}\n`);
    const json = await runCli(["token", "--raw", "--json", `${world.server.origin}/`], {
      env: world.env,
    });
    expect(JSON.parse(json.stdout).serialized).toBe(world.token);
  });

  it("lists every place it looked and exits 2 when no token fits", async () => {
    const result = await runCli(["token", "--scope", "write:/data", `${world.server.origin}/`], {
      env: world.env,
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      // The URL names a port: the default audience has it too.
      /^No valid SciToken found \(wanted audience https:\/\/127\.0\.0\.1, https:\/\/127\.0\.0\.1:\d+, scope write:\/data/,
    );
    expect(result.stdout).toMatch(/ {2}- \$SCITOKEN: not set/);
    expect(result.stdout).toMatch(
      new RegExp(`  ✗ \\$BEARER_TOKEN_FILE \\(${world.tokenFile}\\): .*scope`),
    );
    const json = await runCli(["token", "--json"], { env: bareEnv(world) });
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.found).toBe(false);
    expect(parsed.candidates.map((c: { source: string }) => c.source)).toContain("$SCITOKEN");
  });

  it("without a URL, shows the token discovery finds and the audiences it is valid for", async () => {
    const result = await runCli(["token"], { env: world.env });
    expect(errors(result)).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^SciToken from \\$BEARER_TOKEN_FILE \\(${world.tokenFile}\\)`),
    );
    expect(result.stdout).toMatch(/\n {2}valid for {2}https:\/\/127\.0\.0\.1\n/);
    const json = JSON.parse((await runCli(["token", "--json"], { env: world.env })).stdout);
    expect(json).toMatchObject({ found: true, validFor: ["https://127.0.0.1"] });
    // An audience asked for still counts.
    const other = await runCli(["token", "--audience", "https://elsewhere.example"], {
      env: world.env,
    });
    expect(other.code).toBe(2);
  });

  it("--raw prints the token alone on stdout, and when there is none, nothing: the report goes to stderr", async () => {
    const found = await runCli(["token", "--raw"], { env: world.env });
    expect(found.code).toBe(0);
    expect(found.stdout.trim().split(".")).toHaveLength(3);
    expect(found.stdout.trim().split("\n")).toHaveLength(1);
    const none = await runCli(["token", "--raw"], { env: bareEnv(world) });
    expect(none.code).toBe(2);
    expect(none.stdout).toBe("");
    expect(none.stderr).toMatch(
      /^No valid SciToken found \(wanted any audience, scope any, issuer any\)/,
    );
  });

  it("passes over a file that is not a token, naming it, and takes the next", async () => {
    const junk = writeCredentialFile(world.dir, "junk-token", "not a token\n");
    const result = await runCli(["token", `${world.server.origin}/`, "--json"], {
      env: { ...world.env, SCITOKEN_FILE: junk },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).path).toBe(world.tokenFile);
  });
});

describe("igwn-auth x509", () => {
  it("shows the certificate discovery picks: subject, issuer, proxy, time left", async () => {
    const result = await runCli(["x509"], { env: world.env });
    expect(errors(result)).toBe("");
    expect(result.code).toBe(0);
    const cn = world.userCommonName;
    expect(result.stdout.split("\n")[0]).toBe(
      `X.509 proxy certificate from X509_USER_PROXY (${world.proxyFile})`,
    );
    expect(result.stdout).toMatch(
      new RegExp(`subject\\s+/DC=org/DC=cilogon/C=US/O=LIGO/CN=${cn}/CN=\\d+\\n`),
    );
    expect(result.stdout).toMatch(
      new RegExp(`issuer\\s+/DC=org/DC=cilogon/C=US/O=LIGO/CN=${cn}\\n`),
    );
    expect(result.stdout).toMatch(/proxy\s+yes/);
    expect(result.stdout).toMatch(/expires\s+\S+Z \((11 h \d+ min|12 h 0 min) left\)/);
    expect(result.stdout).toMatch(/file holds\s+2 certificates and the private key/);
  });

  it("prints the same as JSON with --json", async () => {
    const result = await runCli(["x509", "--json"], { env: world.env });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      found: true,
      source: "X509_USER_PROXY",
      certPath: world.proxyFile,
      isProxy: true,
      keyType: "rsa",
      chainLength: 2,
      keyInFile: true,
    });
    expect(json.identity).toContain(world.userCommonName);
    expect(json.timeLeft).toBeGreaterThan(11 * 3600);
  });

  it("exits 2 and lists the candidates when there is no certificate", async () => {
    const result = await runCli(["x509"], { env: bareEnv(world) });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^No valid X\.509 credential found\. Looked at:/);
    expect(result.stdout).toMatch(/ {2}- X509_USER_PROXY: X509_USER_PROXY is not set/);
    const json = await runCli(["x509", "--json", "--timeleft", "999999"], { env: world.env });
    expect(json.code).toBe(2);
    const proxy = JSON.parse(json.stdout).candidates.find(
      (c: { source: string }) => c.source === "X509_USER_PROXY",
    );
    expect(proxy).toMatchObject({ checked: true, accepted: false });
  });

  it("passes over a proxy without its key, as a Session would", async () => {
    // The proxy certificate alone: valid dates, but nothing a Session could present.
    const certOnly = world.proxyFile.replace(/x509up[^/]*$/, "cert-only.pem");
    const text = readFileSync(world.proxyFile, "utf8").replace(
      /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\n?/,
      "",
    );
    writeFileSync(certOnly, text, { mode: 0o600 });
    const result = await runCli(["x509", "--json"], {
      env: { ...bareEnv(world), X509_USER_PROXY: certOnly },
    });
    expect(result.code).toBe(2);
    const proxy = JSON.parse(result.stdout).candidates.find(
      (c: { source: string }) => c.source === "X509_USER_PROXY",
    );
    expect(proxy).toMatchObject({ checked: true, accepted: false });
    expect(proxy.reason).toMatch(/key/i);
  });
});

describe("--help", () => {
  it("says what each flag does for that command: token's --timeout is about the issuer", async () => {
    const token = await runCli(["token", "--help"], { env: world.env });
    expect(token.stdout).toMatch(/--timeout <seconds>\s+give up after SECONDS: the token issuer/);
    expect(token.stdout).toMatch(/--audience <aud>[\s\S]*any audience without a URL/);
    const get = await runCli(["get", "--help"], { env: world.env });
    expect(get.stdout).toMatch(/--timeout <seconds>\s+give up after SECONDS: connecting, waiting/);
  });
});
