import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatchWriter, WRITE_DELAY_MS } from "../../../src/cli/download/batch-writer.js";
import { tempDir } from "../../helpers/env.js";

describe("BatchWriter", () => {
  it("writes every byte in order, from a given position, asking to wait when enough is held", async () => {
    const path = join(tempDir("batch-"), "f");
    const handle = await open(path, "w+");
    await handle.write(Buffer.from("head"));
    const writer = new BatchWriter(handle, 4, 64 * 1024, 256 * 1024);
    const chunks = Array.from({ length: 500 }, () =>
      randomBytes(1 + Math.floor(Math.random() * 20_000)),
    );
    let waits = 0;
    for (const chunk of chunks) {
      if (!writer.write(chunk)) {
        waits += 1;
        // Refused once 256 KiB are held: never much more than that.
        expect(writer.accepted - writer.written).toBeLessThan(256 * 1024 + 20_000);
        await writer.drain();
      }
    }
    await writer.flush();
    await handle.close();
    expect(waits).toBeGreaterThan(0);
    expect(readFileSync(path).equals(Buffer.concat([Buffer.from("head"), ...chunks]))).toBe(true);
    expect(writer.written).toBe(writer.accepted);
  });

  it("writes what has waited for a while even when no batch fills (a slow or stalled transfer)", async () => {
    const path = join(tempDir("batch-"), "f");
    const handle = await open(path, "w+");
    const writer = new BatchWriter(handle, 0);
    writer.write(Buffer.from("a little"));
    expect(statSync(path).size).toBe(0);
    await new Promise((done) => setTimeout(done, WRITE_DELAY_MS + 200));
    expect(statSync(path).size).toBe(8);
    await writer.flush();
    await handle.close();
  });

  it("reports a failed write on the next call", async () => {
    const path = join(tempDir("batch-"), "f");
    const handle = await open(path, "w+");
    const writer = new BatchWriter(handle, 0, 10);
    await handle.close(); // every write now fails
    writer.write(Buffer.alloc(20));
    await expect(writer.flush()).rejects.toThrow(/EBADF|closed/);
    expect(() => writer.write(Buffer.alloc(1))).toThrow();
  });
});
