import { createPrivateKey, type KeyObject } from "node:crypto";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { identityOfStats, type PathState, pathStateOf, pathUnchanged } from "../lib/fingerprint.js";
import { readCredentialFileSync } from "../lib/read-file.js";
import { readX509Credential, type X509Credential } from "./credential.js";
import { warnIfPreRfc3820Proxy } from "./legacy-proxy.js";
import { isEncryptedPrivateKeyPem, isPrivateKeyBlock, parsePemBlocks } from "./pem.js";
import { validateCertificate } from "./validate.js";

/** got's `https.certificate` and `https.key` for one X.509 credential. */
export interface GotCertificateOptions {
  /** The leaf certificate followed by the rest of the chain in the file, as PEM. */
  readonly certificate: string;
  /** The private key PEM. */
  readonly key: string;
}

interface Entry {
  /** What the certificate file (and the key file, if separate) held when read. */
  states: readonly PathState[];
  /** When the files were last found unchanged (ms since the epoch). */
  checkedAt: number;
  credential: X509Credential;
  options: GotCertificateOptions;
}

// Sessions ask for the same credential on every request: remember what each file held and
// re-read it only when a stat shows it changed (a renewed proxy is a new file or new mtime).
const MAX_ENTRIES = 16;
const cache = new Map<string, Entry>();
let loads = 0;

/**
 * How many times a credential has been read for got in this process.
 *
 * @internal For tests of the cache; not part of the public API.
 */
export function x509CredentialLoads(): number {
  return loads;
}

/** Whether every file still holds what was read (a path that cannot be stat'ed has changed). */
function unchanged(paths: readonly string[], states: readonly PathState[]): boolean {
  return paths.every((path, i) => {
    const state = states[i];
    return state !== undefined && typeof state !== "string" && pathUnchanged(path, state);
  });
}

function readPrivateKeyFile(path: string): string {
  const what = "X.509 private key file";
  const { text } = readCredentialFileSync(path, { what });
  const label = `${what} ${path}`;
  const block = parsePemBlocks(text, label).find(isPrivateKeyBlock);
  if (!block) {
    throw new IgwnAuthError(
      `${label} contains no PEM private key (no -----BEGIN … PRIVATE KEY----- block)`,
      { code: ErrorCode.INVALID_CERTIFICATE },
    );
  }
  return block.text;
}

function checkKey(
  keyPem: string,
  keySource: string,
  credential: X509Credential,
  certPath: string,
): void {
  if (isEncryptedPrivateKeyPem(keyPem)) {
    throw new IgwnAuthError(
      `the private key in ${keySource} is encrypted with a passphrase, which cannot be entered ` +
        "here: use an unencrypted proxy (e.g. from grid-proxy-init or ecp-get-cert) instead",
      { code: ErrorCode.INVALID_CERTIFICATE },
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    // The crypto error text never includes the key itself.
    const reason = err instanceof Error ? err.message : String(err);
    throw new IgwnAuthError(`the private key in ${keySource} could not be parsed (${reason})`, {
      code: ErrorCode.INVALID_CERTIFICATE,
      cause: err,
    });
  }
  if (!credential.certificate.checkPrivateKey(key)) {
    throw new IgwnAuthError(
      `the private key in ${keySource} does not match the certificate in ${certPath}`,
      { code: ErrorCode.INVALID_CERTIFICATE },
    );
  }
}

function load(certPath: string, keyPath: string | undefined): Entry {
  loads += 1;
  const { credential, stats } = readX509Credential(certPath);
  // Discovery passes such a proxy over; one given explicitly is presented as asked.
  warnIfPreRfc3820Proxy(credential, certPath);
  const states: PathState[] = [identityOfStats(stats)];
  let keyPem: string;
  if (keyPath === undefined) {
    if (credential.privateKeyPem === undefined) {
      throw new IgwnAuthError(
        `X.509 certificate file ${certPath} holds no private key: a proxy file must hold the ` +
          "certificate, its private key and the chain; or give the key file as [cert, key]",
        { code: ErrorCode.INVALID_CERTIFICATE },
      );
    }
    keyPem = credential.privateKeyPem;
    checkKey(keyPem, `X.509 certificate file ${certPath}`, credential, certPath);
  } else {
    keyPem = readPrivateKeyFile(keyPath);
    checkKey(keyPem, `X.509 private key file ${keyPath}`, credential, certPath);
    // Stat after the read: a key replaced in between only costs one more read next time.
    states.push(pathStateOf(keyPath));
  }
  const certificate = credential.certificates.map((c) => c.toString()).join("");
  return { states, checkedAt: Date.now(), credential, options: { certificate, key: keyPem } };
}

/**
 * got `https` options for an X.509 credential: the certificate with its whole chain from the
 * file (so servers see proxy → user certificate) and the matching private key. Cached per
 * path: while the files are unchanged a call costs one `stat` per file.
 *
 * @internal for the session and X509Strategy
 * @param cert - a file holding certificate, key and chain, or a `[cert, key]` pair of paths.
 * @param timeleft - when given, also require this many seconds of validity left.
 * @example
 * ```ts
 * await got(url, { https: gotCertificateOptions("/tmp/x509up_u1000") });
 * ```
 */
export function gotCertificateOptions(
  cert: string | readonly [cert: string, key: string],
  timeleft?: number,
  options: { statEveryMs?: number } = {},
): { certificate: string; key: string } {
  const [certPath, keyPath] = typeof cert === "string" ? [cert, undefined] : cert;
  const paths = keyPath === undefined ? [certPath] : [certPath, keyPath];
  const cacheKey = paths.join("\u0000");
  const now = Date.now();
  let entry = cache.get(cacheKey);
  // A session asks on every request; a renewed proxy need only be noticed within
  // `statEveryMs`, which saves a stat per request (slow where system calls are).
  if (entry === undefined || now - entry.checkedAt >= (options.statEveryMs ?? 0)) {
    if (entry === undefined || !unchanged(paths, entry.states)) {
      cache.delete(cacheKey);
      entry = load(certPath, keyPath);
      cache.set(cacheKey, entry);
      if (cache.size > MAX_ENTRIES) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
    }
    entry.checkedAt = now;
  }
  if (timeleft !== undefined) validateCertificate(entry.credential, timeleft);
  return { certificate: entry.options.certificate, key: entry.options.key };
}
