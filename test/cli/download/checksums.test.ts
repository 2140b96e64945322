import { createHash, randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  adler32Update,
  checksumAlgorithm,
  crc32cUpdate,
  newChecksum,
} from "../../../src/cli/download/checksums.js";

/** adler32 as zlib writes it in its stream trailer: an oracle independent of ours. */
function zlibAdler32(bytes: Buffer): number {
  return deflateSync(bytes, { level: 0 }).readUInt32BE(deflateSync(bytes, { level: 0 }).length - 4);
}

/** Feed `bytes` to a checksum in pieces of random sizes. */
function inPieces(bytes: Buffer, update: (chunk: Buffer) => void): void {
  let at = 0;
  while (at < bytes.length) {
    const n = 1 + Math.floor(Math.random() * 70_000);
    update(bytes.subarray(at, at + n));
    at += n;
  }
}

describe("adler32", () => {
  it("gives the published values", () => {
    expect(adler32Update(1, Buffer.from("Wikipedia")).toString(16)).toBe("11e60398");
    expect(adler32Update(1, Buffer.alloc(0))).toBe(1);
  });

  it("agrees with zlib on random and on all-0xff bytes (the sums' worst case), fed in any pieces", () => {
    for (const bytes of [randomBytes(3_000_001), Buffer.alloc(1_000_000, 0xff), randomBytes(1)]) {
      let value = 1;
      inPieces(bytes, (chunk) => {
        value = adler32Update(value, chunk);
      });
      expect(value).toBe(zlibAdler32(bytes));
    }
  });
});

describe("crc32c", () => {
  it("gives the values of RFC 3720 (B.4) and the check value", () => {
    expect(crc32cUpdate(0, Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32cUpdate(0, Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32cUpdate(0, Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32cUpdate(0, Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(
      0x113fdb5c,
    );
    expect(crc32cUpdate(0, Buffer.from("123456789"))).toBe(0xe3069283);
  });

  it("gives the same value fed in pieces as all at once", () => {
    const bytes = randomBytes(1_000_003);
    let value = 0;
    inPieces(bytes, (chunk) => {
      value = crc32cUpdate(value, chunk);
    });
    expect(value).toBe(crc32cUpdate(0, bytes));
  });
});

describe("newChecksum", () => {
  it("computes md5, sha-256 and sha-512 as node:crypto does, and 32-bit sums big-endian", () => {
    const bytes = randomBytes(100_000);
    for (const [name, node] of [
      ["md5", "md5"],
      ["sha-256", "sha256"],
      ["sha-512", "sha512"],
    ] as const) {
      const checksum = newChecksum(name);
      inPieces(bytes, (chunk) => checksum.update(chunk));
      expect(checksum.digest().toString("hex")).toBe(createHash(node).update(bytes).digest("hex"));
    }
    const adler = newChecksum("adler32");
    adler.update(Buffer.from("Wikipedia"));
    expect(adler.digest().toString("hex")).toBe("11e60398");
  });

  it("knows the algorithms by the names users and servers write", () => {
    expect(checksumAlgorithm("SHA-256")).toBe("sha-256");
    expect(checksumAlgorithm("sha256")).toBe("sha-256");
    expect(checksumAlgorithm("ADLER32")).toBe("adler32");
    expect(checksumAlgorithm("adler")).toBe("adler32");
    expect(checksumAlgorithm("crc32")).toBeUndefined();
    expect(checksumAlgorithm("constructor")).toBeUndefined();
  });
});
