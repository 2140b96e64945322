import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { TransferProgress } from "../../../src/cli/download/progress.js";

const MiB = 1024 * 1024;

/** A stream that says it is (or is not) a terminal, and keeps what is written on it. */
function fakeStream(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** A progress line on a (fake) terminal, with a clock the test moves. */
function onTerminal(files: number) {
  const out = fakeStream(true);
  const time = clock();
  const progress = new TransferProgress({ stream: out.stream, files, now: time.now, timer: false });
  return { out, time, progress };
}

describe("the progress line", () => {
  it("shows nothing for a run that ends before the delay, only the lines logged", () => {
    const { out, time, progress } = onTerminal(1);
    progress.start(0, 10 * MiB, 0);
    time.advance(100);
    progress.add(0, 10 * MiB);
    progress.draw();
    progress.log("igwn-auth: a line");
    progress.stop();
    expect(progress.visible).toBe(false);
    expect(out.text()).toBe("igwn-auth: a line\n");
  });

  it("draws files, bytes, rate and time left in place on a terminal, lines logged above it", () => {
    const { out, time, progress } = onTerminal(4);
    progress.start(0, 10 * MiB, 0);
    progress.start(1, 30 * MiB, 0);
    time.advance(1000);
    progress.add(0, 10 * MiB);
    progress.finish(0);
    progress.add(1, 10 * MiB);
    progress.draw();
    const drawn = out.text();
    // Two files of four known (40 MiB): the other two are taken as 20 MiB each.
    expect(drawn).toMatch(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the redraw sequence is the point
      /^\r\x1b\[2K█+░+ 25% \| 1\/4 files \| 20\.0 MiB of ~80\.0 MiB \| 20\.0 MiB\/s \| ETA ~3 s$/,
    );
    progress.log("igwn-auth: a.gwf: 10.0 MiB");
    expect(out.text().slice(drawn.length)).toMatch(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the redraw sequence is the point
      /^\r\x1b\[2Kigwn-auth: a\.gwf: 10\.0 MiB\n\r\x1b\[2K█/,
    );
    progress.stop();
    expect(out.text().endsWith("\n")).toBe(true);
  });

  it("shows bytes and rate without a total when no size is known", () => {
    const { out, time, progress } = onTerminal(1);
    progress.start(0, undefined, 0);
    time.advance(2000);
    progress.add(0, 3 * MiB);
    progress.draw();
    expect(out.text()).toMatch(/3\.0 MiB \| 1\.5 MiB\/s \| 2 s$/);
    expect(out.text()).not.toMatch(/ETA|%|files/);
  });

  it("counts a resumed file's earlier bytes as done, not in the rate", () => {
    const { out, time, progress } = onTerminal(1);
    progress.start(0, 100 * MiB, 60 * MiB);
    time.advance(1000);
    progress.add(0, 10 * MiB);
    progress.draw();
    expect(out.text()).toMatch(/70% \| 70\.0 MiB of 100 MiB \| 10\.0 MiB\/s \| ETA 3 s$/);
  });

  it("draws nothing on a pipe unless forced to; forced, a plain line at most every second", () => {
    const pipe = fakeStream(false);
    const time = clock();
    const quiet = new TransferProgress({
      stream: pipe.stream,
      files: 1,
      now: time.now,
      delayMs: 0,
      timer: false,
    });
    quiet.start(0, 2 * MiB, 0);
    time.advance(1000);
    quiet.draw();
    quiet.stop();
    expect(pipe.text()).toBe("");

    const forcedPipe = fakeStream(false);
    const forced = new TransferProgress({
      stream: forcedPipe.stream,
      files: 1,
      now: time.now,
      delayMs: 0,
      force: true,
      timer: false,
    });
    forced.start(0, 2 * MiB, 0);
    forced.add(0, MiB);
    forced.draw();
    forced.draw(); // within the second: not drawn again
    forced.add(0, MiB);
    forced.stop();
    const lines = forcedPipe.text().split("\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/1\.0 MiB of 2\.0 MiB/);
    expect(lines[1]).toMatch(/100% \| 2\.0 MiB of 2\.0 MiB/);
    expect(forcedPipe.text()).not.toContain("\r");
  });
});
