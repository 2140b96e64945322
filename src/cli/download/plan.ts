// Where each URL of `igwn-auth get` goes: stdout, `-o FILE`, or `-d DIR/NAME` with NAME
// taken from the URL. A name comes from the last segment of the URL's path only (never its
// query, where a token may travel), percent-decoded, and is refused unless it is a plain
// file name: nothing a URL says can make the command write outside DIR.
import { join, resolve } from "node:path";
import { redactUrl } from "../../lib/redact-url.js";
import { UsageError } from "../exit-codes.js";
import { escapeControl } from "../format.js";
import { partPaths } from "./part-file.js";

/** One URL and where its body goes. */
export interface PlannedDownload {
  readonly url: string;
  /** The file to write (absolute), or `undefined` for stdout. */
  readonly target: string | undefined;
  /** How the command names this download in its lines: the file name, or the URL. */
  readonly label: string;
}

/** Where the bodies go. */
export interface Destination {
  /** `-o FILE` (`-`: stdout). */
  readonly output?: string | undefined;
  /** `-d DIR`. */
  readonly dir?: string | undefined;
  /** Whether the URLs came (also) from `--from-file`. */
  readonly fromFile?: boolean | undefined;
}

// Longest file name most file systems take is 255 bytes; the partial file adds a dot and
// `.part.json`.
const MAX_NAME_BYTES = 255 - ".part.json".length - 1;

/**
 * The file name `-d` gives a URL: its path's last segment, percent-decoded.
 *
 * @throws UsageError when that is empty, `.` or `..`, holds a slash, NUL or a control
 *   character once decoded, or is too long.
 */
export function fileNameFromUrl(url: string): string {
  const shown = escapeControl(redactUrl(url));
  const segment = new URL(url).pathname.split("/").at(-1) ?? "";
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    throw new UsageError(`cannot name a file after ${shown}: its path has a malformed %-escape`);
  }
  const refuse = (why: string) =>
    new UsageError(`cannot name a file after ${shown}: ${why} (use -o FILE for this URL alone)`);
  if (name === "") throw refuse("its path ends in /");
  if (name === "." || name === "..") throw refuse(`its last path segment is ${name}`);
  if (name.includes("/")) throw refuse("its last path segment holds an encoded slash");
  if (escapeControl(name) !== name) {
    throw refuse("its last path segment holds NUL or a control character");
  }
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw refuse("its last path segment is too long");
  return name;
}

/**
 * Where each URL goes. One URL without `-o` or `-d`: stdout. `-o FILE`: exactly one URL.
 * `-d DIR`: every URL, named by {@link fileNameFromUrl}; two URLs that would share a file
 * (or one that would land on another's partial file) are a usage error.
 */
export function planDownloads(urls: readonly string[], where: Destination): PlannedDownload[] {
  if (urls.length === 0) {
    throw new UsageError(
      where.fromFile ? "the URL list holds no URL" : "give a URL (or --from-file LIST)",
    );
  }
  if (where.output !== undefined && where.dir !== undefined) {
    throw new UsageError("-o and -d cannot be used together");
  }
  if (where.output !== undefined) {
    if (urls.length !== 1) {
      throw new UsageError(`-o FILE takes exactly one URL (${urls.length} given): use -d DIR`);
    }
    const url = urls[0] as string;
    return where.output === "-"
      ? [{ url, target: undefined, label: redactUrl(url) }]
      : [{ url, target: resolve(where.output), label: where.output }];
  }
  if (where.dir === undefined) {
    if (urls.length > 1 || where.fromFile) {
      throw new UsageError(
        urls.length > 1
          ? `${urls.length} URLs need -d DIR to save them in`
          : "--from-file needs -d DIR (or -o FILE)",
      );
    }
    const url = urls[0] as string;
    return [{ url, target: undefined, label: redactUrl(url) }];
  }
  const dir = resolve(where.dir);
  const taken = new Map<string, string>(); // file name → the URL it is for
  const plans = urls.map((url) => {
    const name = fileNameFromUrl(url);
    const other = taken.get(name);
    if (other !== undefined) {
      throw new UsageError(
        `${escapeControl(redactUrl(other))} and ${escapeControl(redactUrl(url))} would both be saved as ${escapeControl(name)}`,
      );
    }
    taken.set(name, url);
    return { url, target: join(dir, name), label: name };
  });
  // A name may only be a partial file's name if no URL's partial file is called so.
  for (const plan of plans) {
    const { part, state } = partPaths(plan.target);
    for (const side of [part, state]) {
      const name = side.slice(dir.length + 1);
      const other = taken.get(name);
      if (other !== undefined) {
        throw new UsageError(
          `${escapeControl(redactUrl(other))} would be saved as ${escapeControl(name)}, the partial file of ${escapeControl(redactUrl(plan.url))}`,
        );
      }
    }
  }
  return plans;
}
