import { ErrorCode, IgwnAuthError } from "../lib/errors.js";

/** One `-----BEGIN <label>-----` … `-----END <label>-----` block of a PEM file. */
export interface PemBlock {
  /** e.g. `CERTIFICATE`, `RSA PRIVATE KEY`, `PRIVATE KEY`. */
  readonly label: string;
  /** RFC 1421 headers such as `Proc-Type: 4,ENCRYPTED` (names as written). */
  readonly headers: ReadonlyMap<string, string>;
  /** The decoded body. */
  readonly der: Buffer;
  /** The block re-joined with LF line endings, as Node's crypto and TLS expect. */
  readonly text: string;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----$/;
const END = /^-----END ([A-Z0-9 ]+)-----$/;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;
const HEADER_LINE = /^([A-Za-z0-9-]+):\s*(.*)$/;

function damaged(label: string, detail: string): IgwnAuthError {
  return new IgwnAuthError(`${label} ${detail}`, {
    code: ErrorCode.INVALID_CERTIFICATE,
  });
}

/**
 * Split PEM text into its blocks, accepting LF, CRLF or CR line endings and ignoring text
 * between blocks (as OpenSSL does). Throws when a block is cut short or its body is not
 * base64, so a truncated file is reported as such rather than as "no certificate".
 *
 * @param label - what the text is, for error messages, e.g. `X.509 certificate file /tmp/x`.
 */
export function parsePemBlocks(text: string, label: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  let open: {
    label: string;
    lines: string[];
    headers: Map<string, string>;
    body: string[];
  } | null = null;
  let ordinal = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (open === null) {
      const begin = BEGIN.exec(line);
      if (begin?.[1]) {
        ordinal += 1;
        open = { label: begin[1], lines: [line], headers: new Map(), body: [] };
      }
      continue;
    }
    if (BEGIN.test(line)) {
      throw damaged(
        label,
        `looks truncated: PEM block ${ordinal} (${open.label}) has no END line before the next BEGIN`,
      );
    }
    const end = END.exec(line);
    if (end) {
      if (end[1] !== open.label) {
        throw damaged(
          label,
          `has a damaged PEM block ${ordinal}: it begins as ${open.label} but ends as ${end[1]}`,
        );
      }
      open.lines.push(line);
      blocks.push({
        label: open.label,
        headers: open.headers,
        der: Buffer.from(open.body.join(""), "base64"),
        text: `${open.lines.join("\n")}\n`,
      });
      open = null;
      continue;
    }
    const header = open.body.length === 0 ? HEADER_LINE.exec(line) : null;
    if (header?.[1]) {
      open.headers.set(header[1], header[2] ?? "");
    } else if (line !== "") {
      if (!BASE64_LINE.test(line)) {
        throw damaged(
          label,
          `has a damaged PEM block ${ordinal} (${open.label}): its body is not base64`,
        );
      }
      open.body.push(line);
    }
    open.lines.push(line);
  }
  if (open !== null) {
    throw damaged(label, `looks truncated: PEM block ${ordinal} (${open.label}) has no END line`);
  }
  return blocks;
}

const BEGIN_CERTIFICATE = "-----BEGIN CERTIFICATE-----";
const END_CERTIFICATE = "-----END CERTIFICATE-----";

/**
 * Every `-----BEGIN CERTIFICATE-----` … `-----END CERTIFICATE-----` span in `text`, as
 * written, in order; anything between or around them is ignored, as OpenSSL and Node's
 * `NODE_EXTRA_CA_CERTS` do. Each span is taken from a BEGIN to the first END after it.
 *
 * Linear in the length of `text`, whatever it holds: a lazy regular expression
 * (`BEGIN[\s\S]+?END`) would scan to the end of the text again from every BEGIN that has
 * no END, which takes tens of seconds on a megabyte of BEGIN lines.
 *
 * @example
 * ```ts
 * scanPemCertificates(readFileSync("/etc/ssl/certs/ca-bundle.crt", "utf8")).length; // 140
 * ```
 */
export function scanPemCertificates(text: string): string[] {
  const found: string[] = [];
  let from = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN_CERTIFICATE, from);
    if (begin === -1) break;
    // At least one character between the markers, as `[\s\S]+?` required.
    const end = text.indexOf(END_CERTIFICATE, begin + BEGIN_CERTIFICATE.length + 1);
    // No END after this BEGIN means none after any later BEGIN either: done.
    if (end === -1) break;
    from = end + END_CERTIFICATE.length;
    found.push(text.slice(begin, from));
  }
  return found;
}

const PRIVATE_KEY_LABEL = /^(?:(?:RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY$/;

/** Whether a block holds a private key (PKCS#1, SEC1, PKCS#8, or encrypted PKCS#8). */
export function isPrivateKeyBlock(block: PemBlock): boolean {
  return PRIVATE_KEY_LABEL.test(block.label);
}

/** Whether a private key PEM is protected by a passphrase (PKCS#8 or OpenSSL's legacy form). */
export function isEncryptedPrivateKeyPem(pem: string): boolean {
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type:\s*4,\s*ENCRYPTED/im.test(pem);
}
