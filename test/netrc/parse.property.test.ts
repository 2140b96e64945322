import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode, IgwnAuthError } from "../../src/lib/errors.js";
import { type NetrcEntry, parseNetrc } from "../../src/netrc/parse.js";

const SOURCE = "/tmp/property/.netrc";

// Characters that exercise every rule of the lexer, mixed with ordinary and wide ones.
const tricky = fc.constantFrom(
  " ",
  "\t",
  "\n",
  "\r",
  '"',
  "\\",
  "#",
  "a",
  "Z",
  "0",
  "é",
  "😀",
  "machine",
  "default",
  "login",
  "password",
  "macdef",
);
const trickyString = fc.oneof(
  fc.string({ unit: tricky, maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);

const separator = fc.constantFrom(" ", "\t", "\n", " \n\t ", "\r\n");

/** Write a token so that the lexer reads back exactly `value`. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}
function escaped(value: string): string {
  return value.replace(/[\\" \t\n\r]/g, "\\$&");
}
const encoder = fc.constantFrom(quoted, escaped);

// Python reads netrc files with universal newlines, so a value cannot hold a "\r": write
// values without one (separators still use "\r\n").
const value = trickyString.map((s) => s.replace(/\r\n?/g, "\n"));
const entry = fc.record({ login: value, password: value, account: value }, { requiredKeys: [] });
const netrcData = fc.record({
  machines: fc.uniqueArray(
    fc.tuple(
      value.filter((s) => s !== ""),
      entry,
    ),
    {
      selector: ([name]) => name,
      maxLength: 6,
    },
  ),
  default: fc.option(entry, { nil: undefined }),
});

describe("parseNetrc properties", () => {
  it("returns or throws an IgwnAuthError naming the file, never anything else", () => {
    fc.assert(
      fc.property(fc.string({ unit: tricky, maxLength: 200 }), (text) => {
        try {
          parseNetrc(text, SOURCE);
        } catch (err) {
          expect(err).toBeInstanceOf(IgwnAuthError);
          expect((err as IgwnAuthError).code).toBe(ErrorCode.INVALID_NETRC);
          expect((err as IgwnAuthError).message).toMatch(
            /^invalid netrc file \/tmp\/property\/\.netrc, line \d+: /,
          );
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("never puts a password in an error message", () => {
    const words = fc.constantFrom(
      "machine",
      "login",
      "password",
      "account",
      "macdef",
      "default",
      "h",
      "#",
      '"',
      "\n",
      "\n\n",
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(words, fc.constant("S3CRET")), { maxLength: 20 }),
        separator,
        (tokens, sep) => {
          try {
            parseNetrc(tokens.join(sep), SOURCE);
          } catch (err) {
            expect((err as Error).message).not.toContain("S3CRET");
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("reads back any entries written with quoting or escapes", () => {
    fc.assert(
      fc.property(netrcData, separator, encoder, ({ machines, default: def }, sep, encode) => {
        const parts: string[] = [];
        const write = (e: NetrcEntry) => {
          for (const key of ["login", "password", "account"] as const) {
            const value = e[key];
            // An empty value cannot be written without quotes.
            if (value !== undefined) parts.push(key, value === "" ? quoted(value) : encode(value));
          }
        };
        for (const [name, e] of machines) {
          parts.push("machine", encode(name));
          write(e);
        }
        if (def !== undefined) {
          parts.push("default");
          write(def);
        }
        const netrc = parseNetrc(parts.join(sep), SOURCE);
        expect(netrc.machines.size).toBe(machines.length);
        for (const [name, e] of machines) {
          expect(netrc.machines.get(name)).toEqual(e);
        }
        expect(netrc.default).toEqual(def);
      }),
      { numRuns: 1000 },
    );
  });
});
