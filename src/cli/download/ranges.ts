// What a resumed request sends and how its answer is judged: `Range`, `If-Range` and the
// validators it is built from, and `Content-Range`.
//
// XrdHttp 5.5.3 (checked by running it) answers an open-ended `Range: bytes=N-` with 206, a
// `Content-Length` of 0 and `Content-Range: bytes N--1/SIZE`, and a closed range correctly;
// it sends neither `ETag` nor `Last-Modified` and ignores `If-Range`. So a resumed request
// names its last byte whenever the size is known, its `Content-Range` is checked strictly,
// and the bytes just before the resume point are asked for again and compared (see
// `OVERLAP_BYTES`) whatever validators there are.

/** A `Content-Range: bytes START-END/TOTAL` (TOTAL `*`: unknown). */
export interface ContentRange {
  readonly start: number;
  readonly end: number;
  readonly total: number | undefined;
}

/**
 * Bytes before the resume point that a resumed request asks for again and compares with
 * what is on disk: a changed file is caught there even from a server that ignores
 * `If-Range` or gives no validator. 64 KiB is nothing next to a frame file.
 */
export const OVERLAP_BYTES = 64 * 1024;

const CONTENT_RANGE = /^bytes\s+(\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)$/i;

/**
 * Parse a `Content-Range` strictly; `undefined` for anything else (XrdHttp 5.5's
 * `bytes 100--1/3000000`, a start after the end, an end past the total).
 *
 * @example
 * ```ts
 * parseContentRange("bytes 100-199/1000"); // { start: 100, end: 199, total: 1000 }
 * ```
 */
export function parseContentRange(text: string | undefined): ContentRange | undefined {
  const match = CONTENT_RANGE.exec(text?.trim() ?? "");
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  const total = match[3] === "*" ? undefined : Number(match[3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  if (total !== undefined && (!Number.isSafeInteger(total) || end >= total)) return undefined;
  return { start, end, total };
}

/** The validators a response gives for `If-Range`. */
export interface Validators {
  /** A strong entity tag (RFC 9110 forbids a weak one in `If-Range`). */
  readonly etag?: string;
  readonly lastModified?: string;
}

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

/** The strong `ETag` and the `Last-Modified` of a response, where it gave them. */
export function validatorsOf(headers: Record<string, string | string[] | undefined>): Validators {
  const etag = single(headers.etag);
  const lastModified = single(headers["last-modified"]);
  return {
    ...(etag !== undefined && !etag.startsWith("W/") ? { etag } : {}),
    ...(lastModified !== undefined && !Number.isNaN(Date.parse(lastModified))
      ? { lastModified }
      : {}),
  };
}

/** `If-Range`: the strong ETag when there is one, else the Last-Modified date. */
export function ifRange(validators: Validators): string | undefined {
  return validators.etag ?? validators.lastModified;
}

/**
 * Whether two responses' validators say the file changed between them: the same kind of
 * validator, given by both, with different values. (No validator says nothing.)
 */
export function validatorsDiffer(before: Validators, after: Validators): boolean {
  if (before.etag !== undefined && after.etag !== undefined) return before.etag !== after.etag;
  if (before.lastModified !== undefined && after.lastModified !== undefined) {
    return before.lastModified !== after.lastModified;
  }
  return false;
}

/** `bytes=START-END`, or `bytes=START-` when the size is unknown. */
export function rangeHeader(start: number, total: number | undefined): string {
  return total === undefined ? `bytes=${start}-` : `bytes=${start}-${total - 1}`;
}
