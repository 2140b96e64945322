// Instance digests (RFC 3230 `Want-Digest` / `Digest`, and RFC 9530's `Repr-Digest`): what
// `igwn-auth get` asks the server for, how it reads the answer, and `--checksum ALG:HEX`.
//
// What servers actually send (checked against XrdHttp 5.5.3 with `xrootd.chksum`): adler32
// as 8 hex digits (`Digest: adler32=0a1b2c3d`), the others in base64 (`md5=D+m0…==`,
// `crc32c=Dh+a+A==`), names in any case (`SHA-256=`). XrdHttp 5.5 configured with a single
// algorithm answers with that algorithm's value under whatever name the request listed
// first (`SHA-256=<a 4-byte adler32>`): a value whose length does not fit its name is
// reported as unusable, never compared. So the request lists adler32 first, which is what
// the grid configures, and a 32-bit value under the wrong 32-bit name stays possible only
// on a server configured without adler32.
import {
  CHECKSUM_BYTES,
  type ChecksumAlgorithm,
  checksumAlgorithm,
  checksumHex,
} from "./checksums.js";

/**
 * The `Want-Digest` the command sends: adler32 first (XrdHttp 5.5 answers for the first
 * name and ignores q-values), then crc32c and sha-256 for servers that offer those.
 */
export const WANT_DIGEST = "adler32, crc32c;q=0.5, sha-256;q=0.3";

/** A digest of the whole file, as the server (or the user) states it. */
export interface StatedDigest {
  readonly algorithm: ChecksumAlgorithm;
  readonly value: Buffer;
}

/** What a response says about the file's digests. */
export interface DigestHeaders {
  /** Every digest in an algorithm the command computes, with a well-formed value. */
  readonly digests: StatedDigest[];
  /** Digests named after an algorithm the command computes, whose value cannot be one. */
  readonly unusable: string[];
}

const HEX = /^[0-9a-f]+$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A value in hex or base64 of exactly `bytes` bytes, or `undefined`. */
function decodeValue(text: string, bytes: number): Buffer | undefined {
  if (text.length === bytes * 2 && HEX.test(text)) return Buffer.from(text, "hex");
  if (BASE64.test(text) && text.length % 4 === 0) {
    const value = Buffer.from(text, "base64");
    if (value.length === bytes) return value;
  }
  return undefined;
}

function headerText(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The digests in a response's `Digest` (RFC 3230: `adler32=0a1b2c3d, sha-256=<base64>`)
 * and `Repr-Digest` (RFC 9530: `sha-256=:<base64>:`) headers. Both state the digest of the
 * whole file, on a 206 as on a 200. Algorithms the command does not compute are skipped.
 *
 * @example
 * ```ts
 * parseDigestHeaders({ digest: "adler32=0a1b2c3d" }).digests; // [{ algorithm: "adler32", value: <0a 1b 2c 3d> }]
 * ```
 */
export function parseDigestHeaders(
  headers: Record<string, string | string[] | undefined>,
): DigestHeaders {
  const digests: StatedDigest[] = [];
  const unusable: string[] = [];
  const items = [
    ...headerText(headers.digest).flatMap((text) => text.split(",")),
    ...headerText(headers["repr-digest"]).flatMap((text) => text.split(",")),
  ];
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) continue;
    const name = item.slice(0, eq).trim();
    const algorithm = checksumAlgorithm(name);
    if (algorithm === undefined) continue;
    // RFC 9530 writes byte sequences between colons.
    const raw = item
      .slice(eq + 1)
      .trim()
      .replace(/^:(.*):$/, "$1");
    const value = decodeValue(raw, CHECKSUM_BYTES[algorithm]);
    if (value === undefined) {
      unusable.push(`${algorithm} (${raw.length > 100 ? `${raw.slice(0, 100)}…` : raw})`);
    } else if (!digests.some((d) => d.algorithm === algorithm)) {
      digests.push({ algorithm, value });
    }
  }
  return { digests, unusable };
}

/** Two digest sets state different values for one algorithm: the file is not the same. */
export function digestsDisagree(
  a: readonly StatedDigest[],
  b: readonly StatedDigest[],
): StatedDigest | undefined {
  for (const left of a) {
    const right = b.find((d) => d.algorithm === left.algorithm);
    if (right && !right.value.equals(left.value)) return right;
  }
  return undefined;
}

/**
 * `--checksum ALG:HEX`: a digest the user knows, in hex (`adler32:0a1b2c3d`,
 * `sha256:<64 hex digits>`, `md5:…`, `crc32c:…`).
 *
 * @throws Error with a message for users when the text is not one.
 */
export function parseChecksumOption(text: string): StatedDigest {
  const colon = text.indexOf(":");
  const algorithm = colon > 0 ? checksumAlgorithm(text.slice(0, colon)) : undefined;
  if (algorithm === undefined) {
    throw new Error("expected ALGORITHM:HEX, with adler32, crc32c, md5, sha256 or sha512");
  }
  let hex = text.slice(colon + 1).trim();
  const bytes = CHECKSUM_BYTES[algorithm];
  // adler32 and crc32c are numbers: a tool may drop their leading zeros.
  if (bytes === 4 && HEX.test(hex) && hex.length < 8) hex = hex.padStart(8, "0");
  if (hex.length !== bytes * 2 || !HEX.test(hex)) {
    throw new Error(`expected ${bytes * 2} hex digits for ${algorithm}`);
  }
  return { algorithm, value: Buffer.from(hex, "hex") };
}

/** `adler32 0a1b2c3d`: a digest as the command shows it. */
export function formatDigest(digest: StatedDigest): string {
  return `${digest.algorithm} ${checksumHex(digest.value)}`;
}
