import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { DownloadProgress } from "../../src/cli/progress.js";

const MiB = 1024 * 1024;

/** A stream that says it is a terminal, and keeps what is drawn on it. */
function fakeTerminal(isTTY = true): { stream: PassThrough & { isTTY?: boolean }; text(): string } {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("the download progress bar", () => {
  it("draws nothing for a download that ends before the delay", () => {
    const terminal = fakeTerminal();
    const time = clock();
    const progress = new DownloadProgress({ stream: terminal.stream, now: time.now });
    time.advance(100);
    progress.update(10 * MiB, 10 * MiB);
    progress.stop();
    expect(progress.visible).toBe(false);
    expect(terminal.text()).toBe("");
  });

  it("draws bytes, size, rate and ETA once a download runs past the delay", () => {
    const terminal = fakeTerminal();
    const time = clock();
    const progress = new DownloadProgress({ stream: terminal.stream, now: time.now });
    time.advance(1000);
    progress.update(5 * MiB, 50 * MiB);
    time.advance(1000);
    progress.update(10 * MiB, 50 * MiB);
    progress.stop();
    const text = terminal.text();
    expect(progress.visible).toBe(true);
    expect(text).toMatch(/10\.0 MiB of 50\.0 MiB/);
    expect(text).toMatch(/20%/);
    expect(text).toMatch(/5\.0 MiB\/s/);
    expect(text).toMatch(/ETA /);
  });

  it("draws bytes and rate without a size when the server gives none", () => {
    const terminal = fakeTerminal();
    const time = clock();
    const progress = new DownloadProgress({ stream: terminal.stream, now: time.now, delayMs: 0 });
    time.advance(2000);
    progress.update(3 * MiB, undefined);
    progress.stop();
    const text = terminal.text();
    expect(text).toMatch(/3\.0 MiB \| 1\.5 MiB\/s/);
    expect(text).not.toMatch(/ETA|of/);
  });

  it("draws nothing on a pipe unless forced to", () => {
    const pipe = fakeTerminal(false);
    const time = clock();
    const quiet = new DownloadProgress({ stream: pipe.stream, now: time.now, delayMs: 0 });
    time.advance(1000);
    quiet.update(MiB, 2 * MiB);
    quiet.stop();
    expect(pipe.text()).toBe("");

    const forcedPipe = fakeTerminal(false);
    const forced = new DownloadProgress({
      stream: forcedPipe.stream,
      now: time.now,
      delayMs: 0,
      force: true,
    });
    forced.update(MiB, 2 * MiB);
    forced.stop();
    expect(forcedPipe.text()).toMatch(/1\.0 MiB of 2\.0 MiB/);
  });
});
