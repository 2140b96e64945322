// `--from-file LIST`: one URL per line, as GWDataFind prints them (`gw_data_find
// --url-type https …`), from a file or from stdin (`-`).
import { createReadStream } from "node:fs";
import { InvalidArgumentError } from "commander";
import { UsageError } from "../exit-codes.js";
import { escapeControl } from "../format.js";
import { parseUrl } from "../parsers.js";

/** A list longer than this is surely not a URL list (64 MiB is a million long URLs). */
const MAX_LIST_BYTES = 64 * 1024 * 1024;

/**
 * The URLs in a list's text: one per line, surrounding blanks trimmed, blank lines and
 * lines starting with `#` skipped.
 *
 * @param source - how the list is named in errors (`LIST`, `stdin`).
 * @throws UsageError naming the line of anything that is not an http(s) URL.
 */
export function parseUrlList(text: string, source: string): string[] {
  const urls: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    try {
      urls.push(parseUrl(line));
    } catch (err) {
      const why = err instanceof InvalidArgumentError ? err.message : String(err);
      const shown = line.length > 80 ? `${line.slice(0, 80)}…` : line;
      throw new UsageError(
        `${source} line ${i + 1}: ${why} (the line is ${JSON.stringify(escapeControl(shown))})`,
      );
    }
  }
  return urls;
}

async function readAll(input: NodeJS.ReadableStream, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of input) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_LIST_BYTES) throw new UsageError(`the URL list ${what} is too long`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Read `--from-file LIST` (`-`: stdin) and return its URLs. */
export async function readUrlList(path: string): Promise<string[]> {
  if (path === "-") return parseUrlList(await readAll(process.stdin, "on stdin"), "stdin");
  const shown = escapeControl(path);
  let text: string;
  try {
    // Read as a stream with a limit: a list given by mistake (a frame file, /dev/zero)
    // ends in a clear error, not in memory.
    text = await readAll(createReadStream(path), shown);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read URL list ${shown}${code ? ` (${code})` : ""}`);
  }
  return parseUrlList(text, shown);
}
