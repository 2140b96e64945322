import { describe, expect, it } from "vitest";
import {
  ifRange,
  parseContentRange,
  rangeHeader,
  validatorsDiffer,
  validatorsOf,
} from "../../../src/cli/download/ranges.js";

describe("Content-Range", () => {
  it("reads bytes START-END/TOTAL and an unknown total", () => {
    expect(parseContentRange("bytes 100-199/1000")).toEqual({ start: 100, end: 199, total: 1000 });
    expect(parseContentRange("bytes 0-0/*")).toEqual({ start: 0, end: 0, total: undefined });
  });

  it("refuses what does not describe a range of the file, XrdHttp 5.5's open-range answer included", () => {
    for (const text of [
      "bytes 100--1/3000000",
      "bytes 200-100/1000",
      "bytes 0-1000/1000",
      "bytes */1000",
      "items 0-1/2",
      "bytes 0-99999999999999999/1",
      "",
      undefined,
    ]) {
      expect(parseContentRange(text), String(text)).toBeUndefined();
    }
  });
});

describe("validators and If-Range", () => {
  it("uses a strong ETag, else the Last-Modified date; never a weak ETag", () => {
    const date = "Mon, 01 Jan 2024 00:00:00 GMT";
    expect(ifRange(validatorsOf({ etag: '"abc"', "last-modified": date }))).toBe('"abc"');
    expect(ifRange(validatorsOf({ etag: 'W/"abc"', "last-modified": date }))).toBe(date);
    expect(ifRange(validatorsOf({ "last-modified": "yesterday" }))).toBeUndefined();
    expect(ifRange(validatorsOf({}))).toBeUndefined();
  });

  it("says a file changed only when the same kind of validator differs", () => {
    expect(validatorsDiffer({ etag: '"a"' }, { etag: '"b"' })).toBe(true);
    expect(validatorsDiffer({ etag: '"a"' }, { etag: '"a"', lastModified: "x" })).toBe(false);
    expect(validatorsDiffer({ lastModified: "x" }, { lastModified: "y" })).toBe(true);
    expect(validatorsDiffer({ etag: '"a"' }, {})).toBe(false);
  });

  it("names the last byte when the size is known (XrdHttp 5.5 mishandles open ranges)", () => {
    expect(rangeHeader(100, 1000)).toBe("bytes=100-999");
    expect(rangeHeader(100, undefined)).toBe("bytes=100-");
  });
});
