// Text for people: control characters escaped, durations in one form everywhere. Shared by
// the library's messages and the CLI.

// What a terminal acts on instead of showing: C0 controls (ESC starts colour, cursor and
// title sequences, BEL ends them, CR overwrites a line), DEL, the C1 controls (U+009B is a
// one-character CSI to many terminals), the Unicode marks that reorder or isolate text
// (bidi embeddings, overrides and isolates: "Trojan Source") and the line and paragraph
// separators. Tokens, certificates, files and servers choose these strings, not us.
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same, less what JSON.stringify already escapes (C0).
const JSON_CONTROL = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function hex(char: string, width: number): string {
  return (char.codePointAt(0) ?? 0).toString(16).padStart(width, "0");
}

function escapeOne(char: string): string {
  const short = SHORT[char];
  if (short !== undefined) return short;
  const code = char.codePointAt(0) ?? 0;
  return code < 0x100 ? `\\x${hex(char, 2)}` : `\\u${hex(char, 4)}`;
}

/**
 * Text as the CLI may show it on a terminal: every control character written as an
 * escape (`\x1b[2J`, `\n`, `\x9b`, `\u202e`), so a token claim, a certificate subject, a
 * file name or a server's status message can show what it holds but never clear the
 * screen, set the window title, move the cursor or fake a line of our output. Printable
 * text, backslashes included, is left as it is.
 *
 * @example
 * ```ts
 * escapeControl("Forbidden\u001b[2J"); // "Forbidden\\x1b[2J"
 * ```
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, escapeOne);
}

/** `2 h 5 min`, `59 min 58 s`, `12 s`; `expired 3 min ago` when negative; `no expiry` for Infinity. */
export function formatTimeLeft(seconds: number): string {
  if (seconds === Number.POSITIVE_INFINITY) return "no expiry";
  if (seconds < 0) return `expired ${formatDuration(-seconds)} ago`;
  return `${formatDuration(seconds)} left`;
}

/** A duration in the two largest units: `1 d 3 h`, `2 h 5 min`, `59 min 58 s`, `12 s`. */
export function formatDuration(seconds: number): string {
  let rest = Math.floor(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86400],
    ["h", 3600],
    ["min", 60],
    ["s", 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (unit === "s" && parts.length === 0)) parts.push(`${n} ${unit}`);
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/**
 * `JSON.stringify(value, null, 2)` with the control characters it leaves as they are
 * (DEL, C1, bidi marks, line separators) written as `\uXXXX` too: still JSON, parsing to
 * the same values, and safe on a terminal.
 *
 * @example
 * ```ts
 * jsonText({ sub: "a\u009bb" }); // '{\n  "sub": "a\\u009bb"\n}'
 * ```
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(JSON_CONTROL, (c) => `\\u${hex(c, 4)}`);
}

/**
 * A value from a token, a file or a server, quoted for a message: JSON, with every control
 * character escaped (so a library error printed to a terminal cannot drive it), strings
 * longer than `max` cut with `…`.
 *
 * @example
 * ```ts
 * quoted("scitoken:1.0"); // '"scitoken:1.0"'
 * ```
 */
export function quoted(value: unknown, max = Number.POSITIVE_INFINITY): string {
  const shown = typeof value === "string" && value.length > max ? `${value.slice(0, max)}…` : value;
  const text = JSON.stringify(shown) ?? String(shown);
  return text.replace(JSON_CONTROL, (c) => `\\u${hex(c, 4)}`);
}
