// Parsing a serialised SciToken and verifying its signature — with a key the caller gives,
// or with the issuer's published keys (see ./keys/store.ts). Claims such as exp, nbf and aud
// are deliberately not judged here: isValidToken must be able to load an expired token to
// report it as invalid.
import type { KeyObject } from "node:crypto";
import type { CryptoKey, JWK } from "jose";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { readCredentialFile } from "../lib/read-file.js";
import { quoted } from "../lib/text.js";
import { explicitPublicKey } from "./keys/explicit-key.js";
import { SciToken, type TokenClaims, type TokenHeader } from "./token.js";

// For tests: forget the issuer keys held in memory (the on-disk cache is left alone).
export { clearKeyCache } from "./keys/memory-cache.js";

// jose and the issuer key store (HTTP, disk cache) load on first use: importing the package
// stays cheap, and a session with an explicit token never loads them.
let jose: Promise<typeof import("jose")> | undefined;
let keyStore: Promise<typeof import("./keys/store.js")> | undefined;
let keyCacheDir: Promise<typeof import("./keys/disk-cache.js")> | undefined;

/**
 * Signature algorithms accepted: RS256 and ES256, the two scitokens-cpp verifies (a token
 * signed otherwise is refused by XRootD and HTCondor, so it is never sent). Never `none`
 * or HMAC.
 */
export const SUPPORTED_ALGORITHMS = ["RS256", "ES256"] as const;

/** Longest serialised token accepted, and the largest token file read. */
export const MAX_TOKEN_BYTES = 64 * 1024;

/** Default milliseconds for each request to an issuer. */
export const DEFAULT_ISSUER_TIMEOUT_MS = 5000;

/**
 * How {@link deserializeToken} verifies a token's signature.
 *
 * @category SciTokens
 */
export interface DeserializeOptions {
  /**
   * Verify with this key and never contact the issuer: PEM (SPKI, PKCS#1 or a certificate),
   * a `KeyObject`, a `CryptoKey` or a public JWK.
   */
  publicKey?: string | KeyObject | CryptoKey | JWK;
  /**
   * Allow an `http://` issuer and `jwks_uri`.
   *
   * > [!WARNING]
   * > Keys fetched over plain HTTP can be replaced by anyone on the path: for tests only.
   */
  insecure?: boolean;
  /** Extra CA certificates (PEM) trusted for the issuer's HTTPS, beside the system ones. */
  ca?: string | string[];
  /** Milliseconds allowed for each request to the issuer (default 5000). */
  timeout?: number;
  /**
   * The on-disk key cache folder (default `$XDG_CACHE_HOME/igwn-auth-utils/keys`, or
   * `~/.cache/igwn-auth-utils/keys`); `false` keeps keys in memory only.
   */
  cacheDir?: string | false;
}

const SUPPORTED = new Set<string>(SUPPORTED_ALGORITHMS);
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function invalid(message: string, cause?: unknown): IgwnAuthError {
  return new IgwnAuthError(message, {
    code: ErrorCode.INVALID_TOKEN,
    ...(cause === undefined ? {} : { cause }),
  });
}

// Values from the token shown in messages are short, quoted, and never the token itself.
function show(value: unknown): string {
  return quoted(typeof value === "string" ? value : String(value), 64);
}

function toText(raw: unknown, source: string): string {
  if (typeof raw === "string") return raw;
  if (raw instanceof Uint8Array) {
    if (raw.byteLength > MAX_TOKEN_BYTES * 2) {
      throw invalid(`${source} is too large to be a token (${raw.byteLength} bytes)`);
    }
    try {
      return utf8.decode(raw);
    } catch (err) {
      throw invalid(`${source} is not UTF-8 text`, err);
    }
  }
  throw invalid(`${source} is not a string or bytes (got ${raw === null ? "null" : typeof raw})`);
}

function decodeSegment(segment: string, name: string, source: string): Record<string, unknown> {
  if (segment.length === 0 || segment.length % 4 === 1 || !BASE64URL.test(segment)) {
    throw invalid(`${source} is malformed: its ${name} is not base64url`);
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(segment, "base64url")));
  } catch (err) {
    throw invalid(`${source} is malformed: its ${name} is not JSON`, err);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(`${source} is malformed: its ${name} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

interface ParsedToken {
  serialized: string;
  header: TokenHeader;
  claims: TokenClaims;
}

function parse(raw: unknown, source: string): ParsedToken {
  const text = toText(raw, source);
  if (text.length > MAX_TOKEN_BYTES * 2) {
    throw invalid(`${source} is too large to be a token (${text.length} characters)`);
  }
  const serialized = text.trim();
  if (serialized.length === 0) throw invalid(`${source} is empty`);
  if (serialized.length > MAX_TOKEN_BYTES) {
    throw invalid(`${source} is too large to be a token (${serialized.length} characters)`);
  }
  const parts = serialized.split(".");
  if (parts.length !== 3) {
    throw invalid(
      `${source} is malformed: a signed token has 3 dot-separated parts, this has ${parts.length}`,
    );
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeSegment(headerPart, "header", source);
  const claims = decodeSegment(payloadPart, "payload", source);
  if (!BASE64URL.test(signaturePart) || signaturePart.length % 4 === 1) {
    throw invalid(`${source} is malformed: its signature is not base64url`);
  }
  checkAlgorithm(header.alg, source);
  if (header.kid !== undefined && typeof header.kid !== "string") {
    throw invalid(`${source} is malformed: its kid is not a string`);
  }
  return { serialized, header: header as TokenHeader, claims: claims as TokenClaims };
}

function checkAlgorithm(alg: unknown, source: string): asserts alg is string {
  if (typeof alg !== "string") throw invalid(`${source} has no signature algorithm (alg)`);
  if (alg.toLowerCase() === "none") {
    throw invalid(`${source} is unsigned (alg "none"); only signed tokens are accepted`);
  }
  if (/^HS\d+$/i.test(alg)) {
    throw invalid(
      `${source} uses the symmetric algorithm ${show(alg)}; SciTokens must be signed with ` +
        `an issuer's private key (${SUPPORTED_ALGORITHMS.join(", ")})`,
    );
  }
  if (!SUPPORTED.has(alg)) {
    throw invalid(
      `${source} uses the unsupported algorithm ${show(alg)} (supported: ${SUPPORTED_ALGORITHMS.join(", ")})`,
    );
  }
}

function resolveOptions(opts: DeserializeOptions) {
  const timeout = opts.timeout ?? DEFAULT_ISSUER_TIMEOUT_MS;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0) {
    throw new TypeError(
      `timeout must be a positive number of milliseconds, not ${String(timeout)}`,
    );
  }
  return {
    timeout,
    insecure: opts.insecure === true,
    ca: opts.ca,
    cacheDir: opts.cacheDir,
  };
}

async function verifyWithAny(
  token: ParsedToken,
  keys: readonly (KeyObject | CryptoKey)[],
  signer: string,
  source: string,
): Promise<void> {
  jose ??= import("jose");
  const { compactVerify, errors: joseErrors } = await jose;
  let lastError: unknown;
  for (const key of keys) {
    try {
      await compactVerify(token.serialized, key, { algorithms: [token.header.alg] });
      return;
    } catch (err) {
      lastError = err;
    }
  }
  const kid = token.header.kid === undefined ? "" : ` kid ${show(token.header.kid)}`;
  if (lastError instanceof joseErrors.JWSSignatureVerificationFailed) {
    throw invalid(
      `the signature of ${source} (alg ${token.header.alg}${kid}) does not verify with ${signer}`,
      lastError,
    );
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw invalid(
    `${source} (alg ${token.header.alg}${kid}) could not be verified with ${signer}: ${reason}`,
    lastError,
  );
}

async function deserialize(
  raw: unknown,
  opts: DeserializeOptions,
  source: string,
): Promise<SciToken> {
  const token = parse(raw, source);
  const options = resolveOptions(opts);
  if (opts.publicKey !== undefined) {
    const key = explicitPublicKey(opts.publicKey);
    await verifyWithAny(token, [key], "the publicKey given", source);
  } else {
    const iss = token.claims.iss;
    if (typeof iss !== "string" || iss === "") {
      throw invalid(`${source} has no issuer (iss) to fetch its signing key from`);
    }
    keyStore ??= import("./keys/store.js");
    keyCacheDir ??= import("./keys/disk-cache.js");
    const [{ issuerPublicKeys }, { defaultKeyCacheDir }] = await Promise.all([
      keyStore,
      keyCacheDir,
    ]);
    const keys = await issuerPublicKeys(
      iss,
      { alg: token.header.alg, kid: token.header.kid },
      {
        ...options,
        cacheDir: options.cacheDir === undefined ? defaultKeyCacheDir() : options.cacheDir,
      },
    );
    await verifyWithAny(token, keys, `the keys of issuer ${iss}`, source);
  }
  return new SciToken(token.serialized, token.header, token.claims);
}

/**
 * The claims of a serialised token, read without verifying it, or `undefined` when it does
 * not parse: only to describe a token that was sent as given (e.g. in an error's
 * explanation), never to decide anything. Internal.
 */
export function unverifiedClaims(raw: string): TokenClaims | undefined {
  try {
    return parse(raw, "the token").claims;
  } catch {
    return undefined;
  }
}

/**
 * Parse a serialised SciToken (surrounding whitespace ignored) and verify its signature,
 * with `opts.publicKey` or else with its issuer's published keys
 * (`{iss}/.well-known/openid-configuration`, then `oauth-authorization-server`, then
 * `jwks_uri`; HTTPS only; cached in memory and on disk).
 *
 * The claims are not judged — an expired token or one for another audience still loads; use
 * `isValidToken` for that.
 *
 * Rejects with an {@link IgwnAuthError}: `ERR_INVALID_TOKEN` when the token is malformed,
 * unsigned, signed with an algorithm other than RS256 or ES256
 * or its signature does not verify; `ERR_KEY_RETRIEVAL` when the
 * issuer's keys cannot be had. Messages never contain the token.
 *
 * @example
 * ```ts
 * const token = await deserializeToken(process.env.BEARER_TOKEN ?? "");
 * console.log(token.claims.sub, token.timeLeft());
 * ```
 * @category SciTokens
 */
export async function deserializeToken(
  raw: string | Uint8Array,
  opts: DeserializeOptions = {},
): Promise<SciToken> {
  return deserialize(raw, opts, "the serialised token");
}

/**
 * Read a token file (at most 64 KiB; a trailing newline is fine) and
 * {@link deserializeToken} it. Errors name the file, never its contents.
 *
 * @example
 * ```ts
 * const token = await loadTokenFile(`${process.env.XDG_RUNTIME_DIR}/bt_u${process.getuid()}`);
 * ```
 * @category SciTokens
 */
export async function loadTokenFile(
  path: string,
  opts: DeserializeOptions = {},
): Promise<SciToken> {
  const { text } = await readCredentialFile(path, {
    what: "token file",
    maxBytes: MAX_TOKEN_BYTES,
  });
  return deserialize(text, opts, `the token in file ${path}`);
}
