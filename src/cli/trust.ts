// `--ca FILE`: extra certificate authorities for the server and the token issuer.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { IgwnAuthError } from "../lib/errors.js";
import { readCredentialFileSync } from "../lib/read-file.js";
import { scanPemCertificates } from "../x509/pem.js";
import { UsageError } from "./exit-codes.js";

const MAX_CA_BYTES = 4 * 1024 * 1024;

/** The certificates in a PEM file, each checked to parse; a usage error names the file. */
export function loadCaFile(path: string): string[] {
  let text: string;
  try {
    text = readCredentialFileSync(path, { what: "CA file (--ca)", maxBytes: MAX_CA_BYTES }).text;
  } catch (err) {
    throw new UsageError(err instanceof IgwnAuthError ? err.message : `cannot read --ca ${path}`);
  }
  const pems = scanPemCertificates(text);
  if (pems.length === 0) {
    throw new UsageError(`CA file (--ca) ${path} holds no PEM certificate`);
  }
  for (const [i, pem] of pems.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      throw new UsageError(`CA file (--ca) ${path}: certificate ${i + 1} cannot be parsed`);
    }
  }
  return pems;
}

// Setting a CA list replaces Node's default trust store, NODE_EXTRA_CA_CERTS included, so
// both are added back: --ca adds to what is trusted, it never narrows it.
export function extraCaFromEnvironment(): string[] {
  const path = process.env.NODE_EXTRA_CA_CERTS;
  if (!path) return [];
  try {
    return scanPemCertificates(readFileSync(path, "utf8"));
  } catch {
    return []; // Node itself warns at start-up about an unreadable NODE_EXTRA_CA_CERTS
  }
}
