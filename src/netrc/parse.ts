import { ErrorCode, IgwnAuthError } from "../lib/errors.js";

/**
 * The credentials of one `machine` (or the `default`) entry of a netrc file.
 *
 * @category netrc
 */
export interface NetrcEntry {
  /** The `login` (or its synonym `user`) value, when the entry has one. */
  login?: string;
  /** The `password` value, when the entry has one. */
  password?: string;
  /** The `account` value, when the entry has one. */
  account?: string;
}

/**
 * A parsed netrc file.
 *
 * > [!WARNING]
 * > The entries hold plain-text passwords: do not log this object.
 * @category netrc
 */
export interface Netrc {
  /** Entries by `machine` name, as written in the file. A later entry for a name replaces an earlier one. */
  machines: Map<string, NetrcEntry>;
  /** The `default` entry, used for hosts with no `machine` entry. */
  default?: NetrcEntry;
  /** `macdef` bodies by macro name (each line ending in a newline). */
  macros: Map<string, string>;
}

interface Token {
  readonly text: string;
  readonly line: number;
  /** The token's terminator was a newline or the end of the text, so its line is finished. */
  readonly endsLine: boolean;
}

// The netrc whitespace set is exactly this (as ftp and Python's netrc): no \v or \f.
const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const ENTRY_STARTS = new Set(["machine", "default", "macdef"]);

class Lexer {
  private pos = 0;
  private line = 1;

  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {}

  /** The next token, or `null` at the end of the text. */
  next(): Token | null {
    const { text } = this;
    while (this.pos < text.length && WHITESPACE.has(text[this.pos] as string)) {
      if (text[this.pos] === "\n") this.line += 1;
      this.pos += 1;
    }
    if (this.pos >= text.length) return null;
    const line = this.line;
    return text[this.pos] === '"' ? this.quoted(line) : this.unquoted(line);
  }

  private quoted(line: number): Token {
    const { text } = this;
    let value = "";
    this.pos += 1;
    for (;;) {
      if (this.pos >= text.length) {
        // Python would take the rest of the file as the value, silently swallowing the
        // entries after it; a missing quote is a mistake worth reporting instead.
        throw invalidNetrc(this.source, line, "a quoted token is not closed");
      }
      let ch = text[this.pos++] as string;
      if (ch === '"') return { text: value, line, endsLine: this.pos >= text.length };
      if (ch === "\\") {
        if (this.pos >= text.length) {
          throw invalidNetrc(this.source, line, "a quoted token is not closed");
        }
        ch = text[this.pos++] as string;
      }
      if (ch === "\n") this.line += 1;
      value += ch;
    }
  }

  private unquoted(line: number): Token {
    const { text } = this;
    let value = "";
    while (this.pos < text.length) {
      let ch = text[this.pos++] as string;
      if (WHITESPACE.has(ch)) {
        if (ch === "\n") {
          this.line += 1;
          return { text: value, line, endsLine: true };
        }
        return { text: value, line, endsLine: false };
      }
      if (ch === "\\") {
        // A backslash at the very end escapes nothing and is dropped, as in Python.
        if (this.pos >= text.length) break;
        ch = text[this.pos++] as string;
        if (ch === "\n") this.line += 1;
      }
      value += ch;
    }
    return { text: value, line, endsLine: true };
  }

  /** Skip the rest of the line a comment token started on. */
  skipComment(token: Token): void {
    if (!token.endsLine) this.readLine();
  }

  /** The rest of the current line including its newline; `""` at the end of the text. */
  readLine(): string {
    const { text } = this;
    if (this.pos >= text.length) return "";
    const newline = text.indexOf("\n", this.pos);
    const end = newline === -1 ? text.length : newline + 1;
    const line = text.slice(this.pos, end);
    this.pos = end;
    if (newline !== -1) this.line += 1;
    return line;
  }
}

function invalidNetrc(source: string, line: number, problem: string): IgwnAuthError {
  return new IgwnAuthError(`invalid netrc file ${source}, line ${line}: ${problem}`, {
    code: ErrorCode.INVALID_NETRC,
  });
}

function isComment(token: Token): boolean {
  return token.text.startsWith("#");
}

/**
 * Parse the text of a netrc file.
 *
 * The grammar is that of Python's `netrc` module (3.11+): whitespace-separated tokens;
 * `machine NAME`, `default`, then any of `login` (or `user`), `password`, `account`
 * followed by a value; `macdef NAME` whose body (skipped) runs from the next line to the
 * first empty line; tokens may be `"quoted"` and `\` escapes the next character, in or
 * out of quotes. A token beginning with `#` where a keyword is expected comments out the
 * rest of its line. A later entry for the same machine (or a second `default`) replaces
 * the earlier one, and `default` need not come last.
 *
 * Where Python misbehaves this parser does what the netrc format means: a comment after
 * an empty line is a comment, `#word` at the start of a line comments out that line, a
 * `macdef` body always starts on the next line, and an unclosed quote or a keyword
 * missing its value is an error rather than silently swallowing what follows.
 *
 * @param text - the contents of the file
 * @param source - where the text came from (a file path), named in error messages
 * @throws {@link IgwnAuthError} with code `ERR_INVALID_NETRC` naming `source` and the
 *   line of the problem (never a token's value).
 *
 * @example
 * ```ts
 * const netrc = parseNetrc("machine example.org login albert password s3cret\n", "inline");
 * netrc.machines.get("example.org"); // { login: "albert", password: "s3cret" }
 * ```
 * @category netrc
 */
export function parseNetrc(text: string, source: string): Netrc {
  // Python reads netrc files with universal newlines.
  const lexer = new Lexer(text.replace(/\r\n?/g, "\n"), source);
  const netrc: Netrc = { machines: new Map(), macros: new Map() };
  let pending: Token | null = null;

  const valueAfter = (keyword: Token): string => {
    const value = lexer.next();
    if (value === null) throw invalidNetrc(source, keyword.line, `'${keyword.text}' has no value`);
    return value.text;
  };

  const readEntry = (): NetrcEntry => {
    const entry: NetrcEntry = {};
    for (;;) {
      const token = lexer.next();
      if (token === null) return entry;
      if (isComment(token)) {
        lexer.skipComment(token);
        continue;
      }
      switch (token.text) {
        case "login":
        case "user":
          entry.login = valueAfter(token);
          break;
        case "password":
          entry.password = valueAfter(token);
          break;
        case "account":
          entry.account = valueAfter(token);
          break;
        default:
          if (ENTRY_STARTS.has(token.text)) {
            pending = token;
            return entry;
          }
          // Never quote the token: a stray word here is often half of a password that
          // contains a space.
          throw invalidNetrc(
            source,
            token.line,
            "unexpected token; expected 'login', 'password', 'account', 'machine', 'default' or 'macdef'",
          );
      }
    }
  };

  const readMacro = (keyword: Token): void => {
    const name = lexer.next();
    if (name === null) throw invalidNetrc(source, keyword.line, "'macdef' has no macro name");
    const macroName = name.text;
    if (!name.endsLine) lexer.readLine();
    let body = "";
    for (;;) {
      const line = lexer.readLine();
      if (line === "\n") break;
      if (!line.endsWith("\n")) {
        throw invalidNetrc(
          source,
          keyword.line,
          "the macro definition is not ended by an empty line",
        );
      }
      body += line;
    }
    netrc.macros.set(macroName, body);
  };

  for (;;) {
    const token: Token | null = pending ?? lexer.next();
    pending = null;
    if (token === null) break;
    if (isComment(token)) {
      lexer.skipComment(token);
      continue;
    }
    switch (token.text) {
      case "machine": {
        const name = lexer.next();
        if (name === null || name.text === "")
          throw invalidNetrc(source, token.line, "'machine' has no machine name");
        netrc.machines.set(name.text, readEntry());
        break;
      }
      case "default":
        netrc.default = readEntry();
        break;
      case "macdef":
        readMacro(token);
        break;
      default:
        throw invalidNetrc(
          source,
          token.line,
          "unexpected token; expected 'machine', 'default' or 'macdef'",
        );
    }
  }
  return netrc;
}
