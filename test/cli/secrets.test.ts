// No output of igwn-auth, on stdout or stderr, in success or failure, ever shows a token,
// a private key or a netrc password (SPEC §2, §9) — except `token --raw`, which is asked for.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeCredentialFile } from "../helpers/x509-pki.js";
import { type CliWorld, runCli, startWorld } from "./world.js";

let world: CliWorld;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

/** Pieces of each secret that must never be printed. */
function secrets(): string[] {
  const [, payload, signature] = world.token.split(".");
  const keyBody = world.proxyKeyPem
    .split("\n")
    .filter((line) => line.length > 0 && !line.startsWith("-----"));
  return [
    world.token,
    `${payload}.${signature}`,
    signature as string,
    "PRIVATE KEY",
    ...keyBody.slice(1, 4),
    "n3trc-p4ssw0rd",
  ];
}

describe("igwn-auth output", () => {
  it("never shows a token, a private key or a password", async () => {
    const netrc = writeCredentialFile(
      world.dir,
      "netrc",
      "machine 127.0.0.1 login albert password n3trc-p4ssw0rd\n",
    );
    const env = { ...world.env, NETRC: netrc };
    const url = `${world.server.origin}/data`;
    const missing = `${world.server.origin}/missing`;
    const runs = [
      ["get", url],
      ["get", missing],
      ["get", "--token", world.tokenFile, "--cert", world.proxyFile, missing],
      ["get", "--token", "false", missing],
      ["get", "--fail-if-noauth", "--token", "false", "--cert", "false", "https://[::1]:1/"],
      ["get", "--token", world.proxyFile, url],
      ["token", url],
      ["token", "--json", url],
      ["token", "--scope", "write:/nope", url],
      ["x509"],
      ["x509", "--json"],
      ["diagnose", url],
      ["diagnose", "--json", url],
      ["diagnose", "--token", world.tokenFile, "--cert", world.proxyFile, url],
      ["diagnose", "--token", "false", "--json", url],
    ];
    const results = [];
    // Two at a time: enough to use both cores, few enough not to starve other test files.
    for (let i = 0; i < runs.length; i += 2) {
      results.push(
        ...(await Promise.all(runs.slice(i, i + 2).map((args) => runCli(args, { env })))),
      );
    }
    // Each failure path ran as meant to (not, say, a crash that prints nothing).
    expect(results.map((r) => r.code)).toEqual([0, 1, 1, 1, 2, 2, 0, 0, 2, 0, 0, 0, 0, 0, 0]);
    for (const [i, result] of results.entries()) {
      for (const secret of secrets()) {
        expect(result.stdout, `stdout of ${runs[i]?.join(" ")}`).not.toContain(secret);
        expect(result.stderr, `stderr of ${runs[i]?.join(" ")}`).not.toContain(secret);
      }
    }
  });
});
