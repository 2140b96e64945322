import { describe, expect, it } from "vitest";
import { parseUrlList } from "../../../src/cli/download/url-list.js";

describe("URL lists", () => {
  it("takes one URL per line, trimmed, skipping blank lines, # comments and CRLF ends", () => {
    const text =
      "# gw_data_find\r\nhttps://a/1.gwf\r\n\n   https://a/2.gwf  \n\t# more\nhttp://b/3\n";
    expect(parseUrlList(text, "LIST")).toEqual([
      "https://a/1.gwf",
      "https://a/2.gwf",
      "http://b/3",
    ]);
    expect(parseUrlList("", "LIST")).toEqual([]);
  });

  it("names the line of anything else, with its control characters escaped", () => {
    expect(() => parseUrlList("https://a/1\nfile:///etc/passwd\n", "LIST")).toThrow(
      /^LIST line 2: expected an http or https URL, not file:/,
    );
    expect(() => parseUrlList("\n\nnot a url\x1b[2J\n", "stdin")).toThrow(
      /^stdin line 3: expected an absolute URL.*"not a url\\\\x1b\[2J"/,
    );
  });
});
