import { describe, expect, it } from "vitest";
import { fileNameFromUrl, planDownloads } from "../../../src/cli/download/plan.js";

const O = "https://frames.example.org";

describe("file names from URLs", () => {
  it("takes the last path segment, percent-decoded, never the query or fragment", () => {
    expect(fileNameFromUrl(`${O}/a/H-H1_HOFT-1.gwf`)).toBe("H-H1_HOFT-1.gwf");
    expect(fileNameFromUrl(`${O}/a/H%20H1%2B1.gwf?authz=Bearer%20x#frag`)).toBe("H H1+1.gwf");
    expect(fileNameFromUrl(`${O}/..%252F`)).toBe("..%2F");
  });

  it.each([
    [`${O}/`, /its path ends in \//],
    [`${O}/a/`, /its path ends in \//],
    [`${O}/a/%2E%2E`, /its path ends in \//], // the URL parser resolves it
    [`${O}/a/..%2F..%2Fetc%2Fpasswd`, /encoded slash/],
    [`${O}/a/%2Fetc%2Fpasswd`, /encoded slash/],
    [`${O}/a/x%00y`, /NUL or a control character/],
    [`${O}/a/x%0Ay`, /NUL or a control character/],
    [`${O}/a/x%E2%80%AEy`, /NUL or a control character/],
    [`${O}/a/%E0%A4%A`, /malformed %-escape/],
    [`${O}/a/${"x".repeat(250)}`, /too long/],
  ])("refuses %s", (url, message) => {
    expect(() => fileNameFromUrl(url)).toThrow(message);
  });

  it("never shows a token or password of the URL it refuses", () => {
    expect(() => fileNameFromUrl("https://u:pw@h/a/?authz=Bearer%20tok")).toThrow(
      /^cannot name a file after https:\/\/u:\[redacted\]@h\/a\/\?authz=\[redacted\]:/,
    );
  });
});

describe("planDownloads", () => {
  it("sends one URL to stdout, or to -o FILE", () => {
    expect(planDownloads([`${O}/a`], {})).toEqual([
      { url: `${O}/a`, target: undefined, label: `${O}/a` },
    ]);
    expect(planDownloads([`${O}/a`], { output: "-" })[0]?.target).toBeUndefined();
    expect(planDownloads([`${O}/a`], { output: "/x/f" })[0]?.target).toBe("/x/f");
  });

  it("puts each URL in -d DIR under its own name", () => {
    expect(planDownloads([`${O}/a/1.gwf`, `${O}/b/2.gwf`], { dir: "/d" })).toEqual([
      { url: `${O}/a/1.gwf`, target: "/d/1.gwf", label: "1.gwf" },
      { url: `${O}/b/2.gwf`, target: "/d/2.gwf", label: "2.gwf" },
    ]);
  });

  it.each([
    [[], {}, /give a URL/],
    [[], { fromFile: true, dir: "/d" }, /the URL list holds no URL/],
    [[`${O}/a`, `${O}/b`], {}, /2 URLs need -d DIR/],
    [[`${O}/a`], { fromFile: true }, /--from-file needs -d DIR/],
    [[`${O}/a`, `${O}/b`], { output: "f" }, /-o FILE takes exactly one URL \(2 given\)/],
    [[`${O}/a`], { output: "f", dir: "/d" }, /-o and -d cannot be used together/],
    [[`${O}/a/x`, `${O}/b/x`], { dir: "/d" }, /\/a\/x and .*\/b\/x would both be saved as x/],
    [[`${O}/x`, `${O}/x`], { dir: "/d" }, /would both be saved as x/],
    [[`${O}/x`, `${O}/.x.part`], { dir: "/d" }, /would be saved as \.x\.part, the partial file of/],
    [[`${O}/.x.part.json`, `${O}/x`], { dir: "/d" }, /the partial file of .*\/x$/],
  ])("refuses %j with %j", (urls, where, message) => {
    expect(() => planDownloads(urls, where)).toThrow(message);
  });
});
