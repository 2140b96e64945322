// From parsed flags to the library's SessionOptions.
import { rootCertificates } from "node:tls";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { readCredentialFile } from "../lib/read-file.js";
import type { DeserializeOptions } from "../scitokens/deserialize.js";
import type { SessionOptions } from "../session/options.js";
import { type AuthFlags, checkAuthFlags, type DiscoveryFlags } from "./auth-flags.js";
import { extraCaFromEnvironment, loadCaFile } from "./trust.js";

/** Longest token file read (as the library's own limit). */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

const SERIALISED_TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Read `--token FILE`: the serialised token, used as is (SPEC §3). */
export async function readTokenFlag(path: string): Promise<string> {
  const { text } = await readCredentialFile(path, {
    what: "token file (--token)",
    maxBytes: MAX_TOKEN_FILE_BYTES,
  });
  const token = text.trim();
  if (token === "") {
    throw new IgwnAuthError(`token file (--token) ${path} is empty`, {
      code: ErrorCode.INVALID_TOKEN,
    });
  }
  // The token is sent as is, so a wrong file (a key, a proxy) must not be sent at all.
  if (!SERIALISED_TOKEN.test(token)) {
    throw new IgwnAuthError(
      `token file (--token) ${path} does not hold a serialised token (header.payload.signature)`,
      { code: ErrorCode.INVALID_TOKEN },
    );
  }
  return token;
}

/** got timeouts for `--timeout`: every phase but the whole transfer, so a big download may take its time. */
export function timeoutOption(seconds: number): NonNullable<SessionOptions["timeout"]> {
  const ms = Math.round(seconds * 1000);
  return { lookup: ms, connect: ms, secureConnect: ms, send: ms, response: ms, socket: ms };
}

/** How discovered tokens are verified: `--ca` for the issuer, `--timeout` for its key requests. */
export function verificationFrom(flags: DiscoveryFlags): DeserializeOptions {
  return {
    ...(flags.ca !== undefined
      ? { ca: [...extraCaFromEnvironment(), ...loadCaFile(flags.ca)] }
      : {}),
    ...(flags.timeout !== undefined ? { timeout: Math.round(flags.timeout * 1000) } : {}),
  };
}

/** The credential choices of the flags, as SessionOptions' auth options. */
export async function authOptionsFrom(flags: AuthFlags): Promise<SessionOptions> {
  checkAuthFlags(flags);
  const options: SessionOptions = {};
  if (flags.auth === false) options.forceNoauth = true;
  if (flags.failIfNoauth) options.failIfNoauth = true;
  if (flags.token === false) options.token = false;
  else if (flags.token !== undefined) options.token = await readTokenFlag(flags.token);
  if (flags.cert === false) options.cert = false;
  else if (flags.cert !== undefined) {
    options.cert = flags.key === undefined ? flags.cert : [flags.cert, flags.key];
  }
  if (flags.audience) options.tokenAudience = flags.audience;
  if (flags.scope) options.tokenScope = flags.scope;
  if (flags.issuer) options.tokenIssuer = flags.issuer;
  return options;
}

/** Everything a command's Session needs: credentials, trust, timeouts and headers. */
export async function sessionOptionsFrom(
  url: string,
  flags: AuthFlags,
  headers: readonly [string, string][] = [],
): Promise<SessionOptions> {
  const options: SessionOptions = { url, ...(await authOptionsFrom(flags)) };
  const verification = verificationFrom(flags);
  if (Object.keys(verification).length > 0) options.tokenVerification = verification;
  if (verification.ca !== undefined) {
    // Setting a CA list replaces Node's trust store: the system roots go back in first.
    const extra = Array.isArray(verification.ca) ? verification.ca : [verification.ca];
    options.https = { certificateAuthority: [...rootCertificates, ...extra] };
  }
  if (flags.timeout !== undefined) options.timeout = timeoutOption(flags.timeout);
  if (headers.length > 0) {
    const merged: Record<string, string | string[]> = {};
    for (const [name, value] of headers) {
      const previous = merged[name];
      merged[name] =
        previous === undefined
          ? value
          : Array.isArray(previous)
            ? [...previous, value]
            : [previous, value];
    }
    options.headers = merged;
  }
  return options;
}
