import { IgwnAuthError } from "../lib/errors.js";
import { fingerprintOfPath } from "../lib/fingerprint.js";
import {
  defaultX509ProxyPath,
  findUsableX509Credentials,
  globusCertificatePaths,
} from "./discovery.js";

type Found = string | [cert: string, key: string];

// A found credential is looked at again at least this often, so one that nears expiry
// (discovery wants 600 s left) is dropped long before it runs out.
const RECHECK_MS = 60_000;

interface Memo {
  readonly env: string;
  readonly files: string;
  readonly found: Found | null;
  readonly until: number;
  filesCheckedAt: number;
}

let memo: Memo | undefined;

function environment(): string {
  const env = process.env;
  return `${env.X509_USER_CERT}\0${env.X509_USER_KEY}\0${env.X509_USER_PROXY}\0${env.HOME}`;
}

/** The identity of every candidate file discovery would look at. */
function candidateFiles(): string {
  const env = process.env;
  const paths = [
    env.X509_USER_CERT,
    env.X509_USER_KEY,
    env.X509_USER_PROXY,
    defaultX509ProxyPath(),
    ...globusCertificatePaths(),
  ];
  let key = "";
  for (const path of paths) key += path ? `${path}\0${fingerprintOfPath(path)}\0` : "-\0";
  return key;
}

/**
 * Best-effort X.509 discovery for a Session's requests (`cert` unset): the usable
 * credential, or `null`. A session that found none searches again on every request, as
 * the Python package does; this remembers the answer until a variable changes (noticed at
 * once) or a candidate file changes (noticed by a `stat`, made at most every `fileCheckMs`:
 * per request, a few `stat` calls cost more than the rest of the auth hooks together), so
 * a request costs no file read and no certificate parse.
 *
 * @internal
 */
export function discoverX509ForSession(
  options: { fileCheckMs?: number; now?: number } = {},
): Found | null {
  const now = options.now ?? Date.now();
  const env = environment();
  if (memo && memo.env === env && now < memo.until) {
    if (now - memo.filesCheckedAt < (options.fileCheckMs ?? 0)) return memo.found;
    if (candidateFiles() === memo.files) {
      memo.filesCheckedAt = now;
      return memo.found;
    }
  }
  const files = candidateFiles();
  let found: Found | null = null;
  try {
    found = findUsableX509Credentials({ onError: "ignore" });
  } catch (err) {
    if (!(err instanceof IgwnAuthError)) throw err;
  }
  memo = { env, files, found, until: now + RECHECK_MS, filesCheckedAt: now };
  return found;
}
