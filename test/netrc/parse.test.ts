import { describe, expect, it } from "vitest";
import { ErrorCode, IgwnAuthError } from "../../src/lib/errors.js";
import { parseNetrc } from "../../src/netrc/parse.js";

function parse(text: string) {
  return parseNetrc(text, "/home/albert/.netrc");
}

function parseError(text: string): IgwnAuthError {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(IgwnAuthError);
    return err as IgwnAuthError;
  }
  throw new Error("expected parseNetrc to throw");
}

describe("parseNetrc grammar", () => {
  it("reads machine entries with login, password and account", () => {
    const netrc = parse(
      "machine a.example login alice password pa account acc\nmachine b.example login bob password pb\n",
    );
    expect(netrc.machines.get("a.example")).toEqual({
      login: "alice",
      password: "pa",
      account: "acc",
    });
    expect(netrc.machines.get("b.example")).toEqual({ login: "bob", password: "pb" });
    expect(netrc.default).toBeUndefined();
  });

  it("accepts tokens spread over many lines with any whitespace", () => {
    const netrc = parse("machine\n\ta.example\r\n  login\talice\n\n\npassword   pa");
    expect(netrc.machines.get("a.example")).toEqual({ login: "alice", password: "pa" });
  });

  it("treats user as a synonym of login", () => {
    expect(parse("machine h user u password p").machines.get("h")).toEqual({
      login: "u",
      password: "p",
    });
  });

  it("reads the default entry, even when it is not last", () => {
    const netrc = parse("default login anon password guest\nmachine h login u password p\n");
    expect(netrc.default).toEqual({ login: "anon", password: "guest" });
    expect(netrc.machines.get("h")).toEqual({ login: "u", password: "p" });
  });

  it("lets a later entry for the same machine replace the earlier one, as Python does", () => {
    const netrc = parse("machine h login first password one\nmachine h login second\n");
    expect(netrc.machines.get("h")).toEqual({ login: "second" });
  });

  it("keeps an entry with a login but no password", () => {
    expect(parse("machine h login u\n").machines.get("h")).toEqual({ login: "u" });
  });

  it("skips macdef bodies up to the first empty line", () => {
    const netrc = parse(
      "macdef init\ncd /pub\nmachine not.an.entry login x\nbin\n\nmachine h login u password p\n",
    );
    expect(netrc.macros.get("init")).toBe("cd /pub\nmachine not.an.entry login x\nbin\n");
    expect([...netrc.machines.keys()]).toEqual(["h"]);
  });

  it("ends a macdef that follows an entry on the same line", () => {
    const netrc = parse("machine h login u password p macdef m\nline\n\nmachine k login v\n");
    expect(netrc.machines.get("h")).toEqual({ login: "u", password: "p" });
    expect(netrc.macros.get("m")).toBe("line\n");
    expect(netrc.machines.get("k")).toEqual({ login: "v" });
  });

  it("starts a macdef body on the next line even after trailing spaces or a quoted name", () => {
    const netrc = parse('macdef "m" \nbody\n\nmacdef n  \nother\n\nmachine h login u\n');
    expect(netrc.macros.get("m")).toBe("body\n");
    expect(netrc.macros.get("n")).toBe("other\n");
    expect(netrc.machines.get("h")).toEqual({ login: "u" });
  });

  it("ignores comment lines, trailing comments and comments after empty lines", () => {
    const netrc = parse(
      [
        "# my credentials",
        "machine h # the host",
        "  login u # who",
        "",
        "# comment after an empty line, password wrong",
        "  password p",
        "#machine commented.out login x password y",
        "#",
        "machine k login v",
      ].join("\n"),
    );
    expect(netrc.machines.get("h")).toEqual({ login: "u", password: "p" });
    expect(netrc.machines.get("k")).toEqual({ login: "v" });
    expect(netrc.machines.has("commented.out")).toBe(false);
  });

  it("takes a value that starts with # as a value, not a comment", () => {
    expect(parse("machine h login u password #secret").machines.get("h")).toEqual({
      login: "u",
      password: "#secret",
    });
  });

  it("reads quoted tokens with spaces and escaped quotes and backslashes", () => {
    const netrc = parse(
      'machine "my host" login "Albert Einstein" password "p \\"w\\" \\\\ d" account ""\n',
    );
    expect(netrc.machines.get("my host")).toEqual({
      login: "Albert Einstein",
      password: 'p "w" \\ d',
      account: "",
    });
  });

  it("reads backslash escapes in unquoted tokens", () => {
    expect(parse('machine h login a\\ b password x\\"y\\\\z').machines.get("h")).toEqual({
      login: "a b",
      password: 'x"y\\z',
    });
  });

  it("keeps a quote inside an unquoted token literally", () => {
    expect(parse('machine h password ab"cd').machines.get("h")).toEqual({ password: 'ab"cd' });
  });

  it("parses an empty file and a file of comments to no entries", () => {
    for (const text of ["", "\n\n", "# nothing here\n# at all"]) {
      const netrc = parse(text);
      expect(netrc.machines.size).toBe(0);
      expect(netrc.default).toBeUndefined();
    }
  });
});

describe("parseNetrc errors", () => {
  it("rejects an unexpected token inside an entry, naming the file and line but not the token", () => {
    const err = parseError("machine h\n  login u\n  password my secret\n");
    expect(err.code).toBe(ErrorCode.INVALID_NETRC);
    expect(err.message).toContain("/home/albert/.netrc");
    expect(err.message).toContain("line 3");
    expect(err.message).not.toContain("secret");
  });

  it("rejects an unexpected token at the top level", () => {
    const err = parseError("\n\nlogin u password hunter2\n");
    expect(err.code).toBe(ErrorCode.INVALID_NETRC);
    expect(err.message).toContain("line 3");
    expect(err.message).not.toContain("hunter2");
  });

  it("rejects a machine without a name", () => {
    const err = parseError("machine h login u\nmachine");
    expect(err.code).toBe(ErrorCode.INVALID_NETRC);
    expect(err.message).toMatch(/line 2: 'machine' has no machine name/);
  });

  it("rejects a keyword without a value at the end of the file", () => {
    const err = parseError("machine h login u\npassword");
    expect(err.code).toBe(ErrorCode.INVALID_NETRC);
    expect(err.message).toMatch(/line 2: 'password' has no value/);
  });

  it("rejects an unclosed quote instead of swallowing the rest of the file", () => {
    const err = parseError('machine h\nlogin u password "s3cret\nmachine k login v password w\n');
    expect(err.code).toBe(ErrorCode.INVALID_NETRC);
    expect(err.message).toMatch(/line 2: a quoted token is not closed/);
    expect(err.message).not.toContain("s3cret");
  });

  it("rejects a macdef that is not ended by an empty line", () => {
    for (const text of ["macdef m\nline", "macdef m\nline\n", "macdef"]) {
      const err = parseError(text);
      expect(err.code).toBe(ErrorCode.INVALID_NETRC);
      expect(err.message).toContain("line 1");
    }
  });
});
