import { describe, expect, it } from "vitest";
import {
  digestsDisagree,
  parseChecksumOption,
  parseDigestHeaders,
} from "../../../src/cli/download/digests.js";

const hex = (d: { value: Buffer }) => d.value.toString("hex");

describe("parseDigestHeaders", () => {
  // What XrdHttp 5.5.3 sent, by its configured `xrootd.chksum` and the Want-Digest asked.
  it("reads XrdHttp's adler32 (hex) and md5 and crc32c (base64), names in any case", () => {
    expect(parseDigestHeaders({ digest: "adler32=d1d60617" }).digests.map(hex)).toEqual([
      "d1d60617",
    ]);
    const md5 = parseDigestHeaders({ digest: "md5=D+m071eL8mgs212HhWpsGw==" });
    expect(md5.digests[0]?.algorithm).toBe("md5");
    expect(hex(md5.digests[0] as { value: Buffer })).toBe("0fe9b4ef578bf2682cdb5d87856a6c1b");
    expect(parseDigestHeaders({ digest: "crc32c=Dh+a+A==" }).digests.map(hex)).toEqual([
      "0e1f9af8",
    ]);
    expect(parseDigestHeaders({ digest: "ADLER32=D1D60617" }).digests[0]?.algorithm).toBe(
      "adler32",
    );
  });

  it("reports a value that cannot be of its algorithm instead of comparing it", () => {
    // XrdHttp 5.5 configured for adler32 alone, asked for sha-256 first: 4 bytes as "SHA-256".
    const mislabelled = parseDigestHeaders({ digest: "SHA-256=0dYGFw==" });
    expect(mislabelled.digests).toEqual([]);
    expect(mislabelled.unusable).toEqual(["sha-256 (0dYGFw==)"]);
    // Configured for md5 alone, asked for adler32: the md5 in hex, as "adler32".
    const md5AsAdler = parseDigestHeaders({ digest: "adler32=0fe9b4ef578bf2682cdb5d87856a6c1b" });
    expect(md5AsAdler.digests).toEqual([]);
    expect(md5AsAdler.unusable).toHaveLength(1);
  });

  it("reads several digests, RFC 9530's Repr-Digest, and skips algorithms it does not compute", () => {
    const sha = Buffer.alloc(32, 7).toString("base64");
    const parsed = parseDigestHeaders({
      digest: `unixsum=30637, adler32=0a1b2c3d,sha-256=${sha}`,
      "repr-digest": `sha-512=:${Buffer.alloc(64, 1).toString("base64")}:`,
    });
    expect(parsed.digests.map((d) => d.algorithm)).toEqual(["adler32", "sha-256", "sha-512"]);
    expect(parsed.unusable).toEqual([]);
    expect(parseDigestHeaders({}).digests).toEqual([]);
    expect(parseDigestHeaders({ digest: "garbage, =x, adler32" }).digests).toEqual([]);
  });

  it("tells when two responses state different values for one algorithm", () => {
    const a = parseDigestHeaders({ digest: "adler32=0a1b2c3d" }).digests;
    const b = parseDigestHeaders({ digest: "adler32=0a1b2c3e" }).digests;
    const other = parseDigestHeaders({ digest: "crc32c=0a1b2c3e" }).digests;
    expect(digestsDisagree(a, b)).toBeDefined();
    expect(digestsDisagree(a, a)).toBeUndefined();
    expect(digestsDisagree(a, other)).toBeUndefined();
  });
});

describe("--checksum ALG:HEX", () => {
  it("takes the algorithms in the names tools print, and pads a short adler32", () => {
    expect(hex(parseChecksumOption("adler32:0a1b2c3d"))).toBe("0a1b2c3d");
    expect(hex(parseChecksumOption("ADLER32:a1b2c3d"))).toBe("0a1b2c3d");
    expect(parseChecksumOption(`sha256:${"ab".repeat(32)}`).algorithm).toBe("sha-256");
    expect(parseChecksumOption(`sha-512:${"AB".repeat(64)}`).algorithm).toBe("sha-512");
    expect(parseChecksumOption(`md5:${"00".repeat(16)}`).algorithm).toBe("md5");
  });

  it("refuses anything else with a message", () => {
    expect(() => parseChecksumOption("0a1b2c3d")).toThrow(/expected ALGORITHM:HEX/);
    expect(() => parseChecksumOption("crc32:0a1b2c3d")).toThrow(/expected ALGORITHM:HEX/);
    expect(() => parseChecksumOption("sha256:abcd")).toThrow(/expected 64 hex digits for sha-256/);
    expect(() => parseChecksumOption("adler32:0a1b2c3d4")).toThrow(/expected 8 hex digits/);
    expect(() => parseChecksumOption("adler32:zz")).toThrow(/expected 8 hex digits/);
  });
});
