// Where the commands write: results to stdout, diagnostics to stderr, each line prefixed
// with the program name so it reads well in a script's log. Every line goes out through
// escapeControl (JSON through jsonText): what the CLI shows comes from tokens,
// certificates, files and servers, and none of them may drive the terminal.
import { escapeControl, jsonText } from "./format.js";

/** The program name, as users type it. */
export const PROGRAM = "igwn-auth";

/** Write lines of text to stdout, control characters escaped (a line stays one line). */
export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.map(escapeControl).join("\n")}\n`);
}

/** Write lines of text to stderr, control characters escaped (a report that is not a result). */
export function printErrorLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stderr.write(`${lines.map(escapeControl).join("\n")}\n`);
}

/** Write a value as indented JSON to stdout, control characters escaped (still JSON). */
export function printJson(value: unknown): void {
  process.stdout.write(`${jsonText(value)}\n`);
}

/**
 * A message on stderr: `igwn-auth: <first line>`, then its other lines (an error's
 * explanation) as they are, each with its control characters escaped.
 */
export function printError(message: string): void {
  const [first, ...rest] = message.split("\n");
  const lines = [`${PROGRAM}: ${escapeControl(first ?? "")}`, ...rest.map(escapeControl)];
  process.stderr.write(`${lines.join("\n")}\n`);
}

/** Mark a candidate: taken, passed over after a look, or nothing there to look at. */
export function mark(accepted: boolean, checked = true): string {
  if (accepted) return "✓";
  return checked ? "✗" : "-";
}
