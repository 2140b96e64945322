// Where the commands write: results to stdout, diagnostics to stderr, each line prefixed
// with the program name so it reads well in a script's log.

/** The program name, as users type it. */
export const PROGRAM = "igwn-auth";

/** Write lines of text to stdout. */
export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
}

/** Write a value as indented JSON to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One line on stderr: `igwn-auth: <message>`. */
export function printError(message: string): void {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
}

/** Mark a candidate: taken, passed over after a look, or nothing there to look at. */
export function mark(accepted: boolean, checked = true): string {
  if (accepted) return "✓";
  return checked ? "✗" : "-";
}
