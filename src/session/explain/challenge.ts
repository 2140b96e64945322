// The server's side of a 401 or 403: its WWW-Authenticate challenge (RFC 7235), read for the
// RFC 6750 parameters that say why a bearer token was refused. Linear in the header, and
// bounded: a server chooses this text.
import { escapeControl } from "../../lib/text.js";
import type { ServerChallenge } from "./types.js";

const MAX_HEADER = 8192;
const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

interface Cursor {
  readonly text: string;
  at: number;
}

function skipSpaces(c: Cursor): void {
  while (c.at < c.text.length && (c.text[c.at] === " " || c.text[c.at] === "\t")) c.at += 1;
}

function readToken(c: Cursor): string {
  const start = c.at;
  while (c.at < c.text.length && TOKEN.test(c.text[c.at] as string)) c.at += 1;
  return c.text.slice(start, c.at);
}

function readQuoted(c: Cursor): string {
  c.at += 1; // the opening quote
  let value = "";
  while (c.at < c.text.length && c.text[c.at] !== '"') {
    if (c.text[c.at] === "\\" && c.at + 1 < c.text.length) c.at += 1;
    value += c.text[c.at];
    c.at += 1;
  }
  c.at += 1; // the closing quote
  return value;
}

/** The first challenge's scheme and its `name=value` parameters. */
function parseFirstChallenge(text: string): { scheme: string; params: Map<string, string> } {
  const c: Cursor = { text, at: 0 };
  skipSpaces(c);
  const scheme = readToken(c);
  const params = new Map<string, string>();
  for (;;) {
    skipSpaces(c);
    if (c.text[c.at] === ",") c.at += 1;
    skipSpaces(c);
    const mark = c.at;
    const name = readToken(c).toLowerCase();
    skipSpaces(c);
    if (name === "" || c.text[c.at] !== "=") {
      c.at = mark;
      break; // the end, token68, or the next challenge's scheme
    }
    c.at += 1;
    skipSpaces(c);
    const value = c.text[c.at] === '"' ? readQuoted(c) : readToken(c);
    if (!params.has(name)) params.set(name, value);
  }
  return { scheme, params };
}

/**
 * What a server said in `WWW-Authenticate`, or `undefined` when it said nothing. Every
 * string is shown with its control characters escaped.
 */
export function serverChallenge(
  header: string | string[] | undefined,
): ServerChallenge | undefined {
  const raw = Array.isArray(header) ? header.join(", ") : header;
  if (raw === undefined || raw.trim() === "") return undefined;
  const text = raw.length > MAX_HEADER ? raw.slice(0, MAX_HEADER) : raw;
  const { scheme, params } = parseFirstChallenge(text);
  const shown = (name: string) => {
    const value = params.get(name);
    return value === undefined ? {} : { [camel(name)]: escapeControl(value) };
  };
  return {
    header: escapeControl(text.trim()),
    ...(scheme ? { scheme: escapeControl(scheme) } : {}),
    ...shown("realm"),
    ...shown("error"),
    ...shown("error_description"),
    ...shown("scope"),
  };
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_m, letter: string) => letter.toUpperCase());
}
