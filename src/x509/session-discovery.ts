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
  readonly key: string;
  readonly found: Found | null;
  readonly until: number;
}

let memo: Memo | undefined;

/** Everything best-effort discovery depends on: the variables, and every candidate file. */
function dependencies(): string {
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
 * the Python package does; this remembers the answer until a variable or a candidate file
 * changes (a few `stat` calls), so a request costs no file read and no certificate parse.
 *
 * @internal
 */
export function discoverX509ForSession(now: number = Date.now()): Found | null {
  const key = dependencies();
  if (memo && memo.key === key && now < memo.until) return memo.found;
  let found: Found | null = null;
  try {
    found = findUsableX509Credentials({ onError: "ignore" });
  } catch (err) {
    if (!(err instanceof IgwnAuthError)) throw err;
  }
  memo = { key, found, until: now + RECHECK_MS };
  return found;
}
