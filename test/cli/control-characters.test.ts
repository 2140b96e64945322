// Strings the CLI shows come from tokens, certificates, files and servers: none of them may
// drive the terminal. Each test puts escape sequences (clear screen, window title, colours
// faking "token verified", a one-byte C1 CSI, a bidi override) where an issuer, a CA or a
// server could, and checks every byte the CLI writes.
import { once } from "node:events";
import { createServer as createTlsServer } from "node:tls";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../helpers/https-server.js";
import { testPki } from "../helpers/pki.js";
import {
  issueProxyCertificate,
  issueUserCertificate,
  writeCredentialFile,
  writeProxyFile,
} from "../helpers/x509-pki.js";
import { bareEnv, type CliResult, type CliWorld, runCli, startWorld } from "./world.js";

// What a terminal would act on; a newline between our own lines is fine.
const RAW_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const CLEAR = "\u001b[2J\u001b[H";
const TITLE = "\u001b]0;pwned\u0007";
const FAKE_OK = "\u001b[32m✓ token verified\u001b[0m";
const C1_CSI = "\u009b31m";
const RLO = "\u202egnp.exe";

let world: CliWorld;
let url: string;

beforeAll(async () => {
  world = await startWorld();
  url = `${world.server.origin}/data`;
});
afterAll(async () => {
  await world?.close();
});

function expectNoRawControl(result: CliResult): void {
  const found = RAW_CONTROL.exec(result.stdout) ?? RAW_CONTROL.exec(result.stderr);
  expect(found?.[0], `raw control character U+${found?.[0].codePointAt(0)?.toString(16)}`).toBe(
    undefined,
  );
}

describe("a token carrying escape sequences", () => {
  let env: NodeJS.ProcessEnv;
  const claims = {
    aud: "https://127.0.0.1",
    scope: "read:/data",
    sub: `${CLEAR}${TITLE}mallory`,
    note: FAKE_OK,
    [`claim${C1_CSI}`]: RLO,
  };

  beforeAll(async () => {
    const token = await world.issuer.mint(claims);
    env = { ...bareEnv(world), BEARER_TOKEN_FILE: writeCredentialFile(world.dir, "evil", token) };
  });

  it("igwn-auth token shows its claims with control characters escaped", async () => {
    const result = await runCli(["token", url], { env });
    expect(result.code).toBe(0);
    expectNoRawControl(result);
    expect(result.stdout).toMatch(/subject\s+\\x1b\[2J\\x1b\[H\\x1b\]0;pwned\\x07mallory\n/);
    expect(result.stdout).toMatch(/note\s+\\x1b\[32m✓ token verified\\x1b\[0m\n/);
    expect(result.stdout).toMatch(/claim\\x9b31m\s+\\u202egnp\.exe\n/);
  });

  it("igwn-auth token --json stays JSON, with the same values", async () => {
    const result = await runCli(["token", "--json", url], { env });
    expect(result.code).toBe(0);
    expectNoRawControl(result);
    expect(JSON.parse(result.stdout).claims).toMatchObject(claims);
  });

  it("igwn-auth diagnose shows it escaped, as text and as JSON", async () => {
    const text = await runCli(["diagnose", url], { env });
    expectNoRawControl(text);
    expect(text.stdout).toContain("[sub \\x1b[2J\\x1b[H\\x1b]0;pwned\\x07mallory, aud");
    expect(text.stdout).toContain("• bearer token from $BEARER_TOKEN_FILE");
    const json = await runCli(["diagnose", "--json", url], { env });
    expectNoRawControl(json);
    expect(JSON.parse(json.stdout).credentials[0]).toMatchObject({ sub: claims.sub });
  });
});

describe("a certificate subject carrying escape sequences", () => {
  // Node writes C0 controls in a subject as \1B itself, but not C1 controls or bidi marks.
  const commonName = `Mallory ${C1_CSI}${RLO} ${TITLE}`;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    const user = issueUserCertificate({ commonName });
    const proxy = writeProxyFile(world.dir, issueProxyCertificate(user), [user], "x509up_evil");
    env = { ...bareEnv(world), X509_USER_PROXY: proxy };
  });

  it("igwn-auth x509 shows it escaped, and --json stays JSON", async () => {
    const text = await runCli(["x509"], { env });
    expect(text.code).toBe(0);
    expectNoRawControl(text);
    expect(text.stdout).toMatch(/subject\s+\/DC=org.*\/CN=Mallory \\x9b31m\\u202egnp\.exe /);
    const json = await runCli(["x509", "--json"], { env });
    expectNoRawControl(json);
    expect(JSON.parse(json.stdout).subject).toContain(`Mallory ${C1_CSI}${RLO} `);
  });

  it("igwn-auth diagnose shows it escaped", async () => {
    const result = await runCli(["diagnose", url], { env });
    expect(result.code).toBe(0);
    expectNoRawControl(result);
    expect(result.stdout).toContain("Mallory \\x9b31m\\u202egnp.exe");
  });
});

describe("a server carrying escape sequences", () => {
  it("igwn-auth get shows its status message escaped on the error line", async () => {
    const { server: cert } = testPki();
    // A status line Node's own server would refuse to write; clients accept it (llhttp),
    // and the C1 CSI arrives as the bytes C2 9B, which Node reads as latin1 "Â\x9b".
    const reason = Buffer.concat([
      Buffer.from(`Forbidden ${CLEAR}${TITLE}`, "latin1"),
      Buffer.from("\u009b31m", "utf8"),
    ]);
    const server = createTlsServer({ key: cert.keyPem, cert: cert.certPem }, (socket) => {
      socket.once("data", () => {
        socket.end(
          Buffer.concat([
            Buffer.from("HTTP/1.1 403 "),
            reason,
            Buffer.from("\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
          ]),
        );
      });
      socket.on("error", () => undefined);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as { port: number };
      const target = `https://127.0.0.1:${port}/data`;
      const result = await runCli(["get", target], { env: bareEnv(world) });
      expect(result.code).toBe(1);
      expectNoRawControl(result);
      expect(result.stderr).toContain(
        `igwn-auth: HTTP 403 Forbidden \\x1b[2J\\x1b[H\\x1b]0;pwned\\x07Â\\x9b31m for ${target}\n`,
      );
    } finally {
      server.close();
    }
  });

  it("igwn-auth token shows what an issuer served escaped in the reason", async () => {
    // Issuer metadata whose jwks_uri is no URL: the reason quotes it (JSON.stringify leaves
    // C1 controls and bidi marks as they are).
    const issuer = await startServer();
    issuer.handle((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jwks_uri: `${C1_CSI}${RLO} not a URL` }));
    });
    try {
      const { privateKey } = world.issuer.key("ES256");
      const token = await new SignJWT({ iss: issuer.origin, aud: "ANY", scope: "read:/" })
        .setProtectedHeader({ alg: "ES256", kid: "k" })
        .setExpirationTime("1h")
        .sign(privateKey);
      const env = {
        ...bareEnv(world),
        BEARER_TOKEN_FILE: writeCredentialFile(world.dir, "from-evil-issuer", token),
      };
      const result = await runCli(["token", url], { env });
      expect(result.code).toBe(2);
      expectNoRawControl(result);
      // The library quotes what the issuer served with its control characters escaped.
      expect(result.stdout).toContain('"\\u009b31m\\u202egnp.exe not a URL" is not a URL');
    } finally {
      await issuer.close();
    }
  });
});
