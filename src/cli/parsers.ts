// Argument parsers for commander: each turns one flag's text into a value or throws
// commander's InvalidArgumentError, which commander reports as a usage error.
import { InvalidArgumentError } from "commander";

/** Collect a repeatable flag (`--scope a --scope b`) into a list. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A positive number of seconds. */
export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError("expected a positive number of seconds");
  }
  return seconds;
}

/** A number of seconds that may be zero (a minimum lifetime). */
export function parseTimeleft(value: string): number {
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidArgumentError("expected a number of seconds, 0 or more");
  }
  return seconds;
}

// RFC 9110 token characters: what a header name may be made of.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `Name: value` → `[name, value]`, the name lower-cased (got strips credentials case-sensitively). */
export function parseHeader(value: string): [name: string, value: string] {
  const colon = value.indexOf(":");
  const name = colon > 0 ? value.slice(0, colon).trim() : "";
  if (!HEADER_NAME.test(name)) {
    throw new InvalidArgumentError('expected "Name: value"');
  }
  const text = value.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(text)) throw new InvalidArgumentError("a header value cannot hold a newline");
  return [name.toLowerCase(), text];
}

/** Collect `--header` flags. */
export function collectHeader(
  value: string,
  previous: [string, string][] | undefined,
): [string, string][] {
  return [...(previous ?? []), parseHeader(value)];
}

/** An absolute `http:` or `https:` URL. */
export function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected an absolute URL, such as https://example.org/path");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InvalidArgumentError(`expected an http or https URL, not ${url.protocol}`);
  }
  return value;
}

/** `FILE` or `false`: a credential file, or this kind of credential switched off. */
export function parsePathOrFalse(value: string): string | false {
  if (value === "") throw new InvalidArgumentError("expected a file path or false");
  return value.toLowerCase() === "false" ? false : value;
}

/** Collect the URL arguments of a variadic `[url...]`, each checked by {@link parseUrl}. */
export function collectUrl(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), parseUrl(value)];
}

/** A parser for a whole number from 1 to `max`. */
export function parsePositiveInteger(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1 || n > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    }
    return n;
  };
}

/** A parser for a whole number from 0 to `max`. */
export function parseCount(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n > max) {
      throw new InvalidArgumentError(`expected a whole number from 0 to ${max}`);
    }
    return n;
  };
}
