// How the demo talks: numbered steps, indented details, and checks that stop the demo
// with a clear message when something did not happen as it should.

/** A check that did not hold: the demo stops and exits non-zero. */
export class DemoFailure extends Error {
  override readonly name = "DemoFailure";
}

/** Print lines to stdout, each indented by `indent`. */
export function say(text = "", indent = ""): void {
  for (const line of text.split("\n")) process.stdout.write(`${indent}${line}\n`);
}

/** A step heading. */
export function step(title: string): void {
  say();
  say(title);
}

/** A label and its value, aligned. */
export function detail(label: string, value: string, indent = "   "): void {
  const [first, ...rest] = value.split("\n");
  say(`${indent}${label.padEnd(11)} ${first ?? ""}`);
  for (const line of rest) say(`${indent}${" ".repeat(12)}${line}`);
}

/** Stop the demo unless `ok`. */
export function expectThat(ok: boolean, what: string): void {
  if (!ok) throw new DemoFailure(what);
}
