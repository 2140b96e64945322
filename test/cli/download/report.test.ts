import { describe, expect, it } from "vitest";
import {
  type FileOutcome,
  outcomeLine,
  retryLine,
  summaryLine,
} from "../../../src/cli/download/report.js";
import type { TransferResult } from "../../../src/cli/download/transfer.js";

const MiB = 1024 * 1024;

function done(label: string, bytes: number, extra: Partial<TransferResult> = {}): FileOutcome {
  return {
    label,
    status: "done",
    seconds: 2,
    result: {
      bytes,
      received: bytes,
      checked: [],
      unchecked: [],
      attempts: 1,
      continuedFrom: undefined,
      stopped: false,
      ...extra,
    },
  };
}

describe("the lines of igwn-auth get", () => {
  it("says what each file took, what was checked and where it continued from", () => {
    const value = Buffer.from("0a1b2c3d", "hex");
    expect(
      outcomeLine(
        done("H-1.gwf", 100 * MiB, {
          received: 60 * MiB,
          continuedFrom: 40 * MiB,
          checked: [
            { digest: { algorithm: "adler32", value }, source: "server" },
            { digest: { algorithm: "sha-256", value }, source: "given" },
          ],
        }),
      ),
    ).toBe(
      "H-1.gwf: 100 MiB in 2.0 s (30.0 MiB/s), continued from 40.0 MiB, adler32 checked, sha-256 matches --checksum",
    );
  });

  it("puts a failure's own words first, what was kept after them, and its explanation below", () => {
    const line = outcomeLine({
      label: "x.gwf",
      status: "failed",
      message: "HTTP 401 Unauthorized for https://h/x.gwf\n  sent: nothing\n  next: htgettoken",
      kept: { bytes: MiB, name: ".x.gwf.part" },
      seconds: 1,
    });
    expect(line.split("\n")).toEqual([
      "x.gwf failed: HTTP 401 Unauthorized for https://h/x.gwf; 1.0 MiB kept in .x.gwf.part (--continue resumes it)",
      "  sent: nothing",
      "  next: htgettoken",
    ]);
  });

  it("says where a retry continues and how many failures in a row it has left", () => {
    expect(
      retryLine("x.gwf", {
        reason: "read ECONNRESET",
        delayMs: 2000,
        attempt: 3,
        failuresInRow: 2,
        retries: 5,
        resumeAt: 12 * MiB,
        size: 120 * MiB,
      }),
    ).toBe(
      "x.gwf: read ECONNRESET at 12.0 MiB of 120 MiB; retrying in 2.0 s, from 12.0 MiB (attempt 3, failure 2 of 6 in a row)",
    );
  });

  it("sums a run up, naming the files that failed", () => {
    expect(summaryLine([done("a", MiB)], 1)).toBe("1 file, 1.0 MiB in 1.0 s (1.0 MiB/s)");
    const failed = (label: string): FileOutcome => ({ label, status: "failed", seconds: 0 });
    const many = [done("a", MiB), ...["b", "c", "d", "e", "f", "g"].map(failed)];
    expect(summaryLine(many, 2)).toBe(
      "1 of 7 files, 1.0 MiB in 2.0 s (512 KiB/s); 6 failed: b, c, d, e, f, … (1 more)",
    );
    expect(summaryLine([done("a", MiB), { label: "b", status: "skipped", seconds: 0 }], 1)).toBe(
      "2 files, 1.0 MiB in 1.0 s (1.0 MiB/s), 1 already there",
    );
  });
});
