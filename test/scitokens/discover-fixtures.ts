// Tokens for the discovery tests: signed with jose by a key made per test file, verified
// with `publicKey` so no issuer is contacted.
import { randomUUID } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CryptoKey, exportSPKI, generateKeyPair, SignJWT } from "jose";

export const ISSUER = "local";
export const READ_AUDIENCE = "igwn_auth_utils";
export const WRITE_AUDIENCE = "igwn_auth_utils2";
export const READ_SCOPE = "read:/igwn_auth_utils";
export const WRITE_SCOPE = "write:/igwn_auth_utils";

export interface Signer {
  readonly publicPem: string;
  /** A signed token; claims default to the Python tests' read token, each with a fresh jti. */
  mint(claims?: Record<string, unknown>): Promise<string>;
}

export async function makeSigner(): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const publicPem = await exportSPKI(publicKey);
  return {
    publicPem,
    mint: (claims = {}) => mintWith(privateKey, claims),
  };
}

async function mintWith(key: CryptoKey, overrides: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iat: now,
    nbf: now,
    exp: now + 86400,
    iss: ISSUER,
    aud: READ_AUDIENCE,
    scope: READ_SCOPE,
    jti: randomUUID(),
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "test_key" }).sign(key);
}

/** A fresh folder under the test root. */
export { tempDir } from "../helpers/env.js";

/** Write a token file atomically (write beside it, then rename over it), as htgettoken does. */
export function replaceFile(path: string, content: string): void {
  const tmp = `${path}.${randomUUID()}.tmp`;
  writeFileSync(tmp, `${content}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** The jti of a serialised token (tests only: no verification). */
export function jtiOf(serialized: string): string {
  const payload = serialized.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")).jti as string;
}

/** The bt_u<euid> file discovery looks for in $XDG_RUNTIME_DIR. */
export function runtimeTokenPath(): string {
  return join(process.env.XDG_RUNTIME_DIR ?? "/nonexistent", `bt_u${process.geteuid?.() ?? 0}`);
}
