import { homedir } from "node:os";
import { join } from "node:path";
import { domainToASCII } from "node:url";
import { IgwnAuthError } from "../lib/errors.js";
import { loadNetrcFile } from "./load.js";
import type { Netrc, NetrcEntry } from "./parse.js";

/**
 * Options for {@link getNetrcAuth}.
 *
 * @category netrc
 */
export interface GetNetrcAuthOptions {
  /**
   * Throw an {@link IgwnAuthError} when the netrc file exists but cannot be used (unsafe
   * permissions, unreadable, invalid) instead of returning `null`. A missing file is never
   * an error. Default `false`.
   */
  raiseErrors?: boolean;
}

/**
 * The path of the netrc file to read: `$NETRC` when set (a leading `~` is expanded, as
 * Python's requests does), else `.netrc` in the home directory (`$HOME` on POSIX).
 *
 * @example
 * ```ts
 * process.env.NETRC = "/secrets/netrc";
 * netrcPath(); // "/secrets/netrc"
 * ```
 * @category netrc
 */
export function netrcPath(): string {
  const fromEnv = process.env.NETRC;
  if (fromEnv) {
    if (fromEnv === "~") return homedir();
    if (fromEnv.startsWith("~/")) return join(homedir(), fromEnv.slice(2));
    return fromEnv;
  }
  return join(homedir(), ".netrc");
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

// Host names compare as the URL parser writes them: without case, IPv6 without brackets
// and in canonical form, names in ASCII (punycode), so `machine Bücher.example` matches
// https://bücher.example/ and `machine [::1]` or `machine 0:0::1` matches https://[::1]/.
function normaliseHost(name: string): string {
  let host = name.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.includes(":")) {
    try {
      return new URL(`http://[${host}]/`).hostname.slice(1, -1);
    } catch {
      return host;
    }
  }
  return domainToASCII(host) || host;
}

function hostOf(url: string | URL): string | null {
  if (url instanceof URL && (url.protocol === "https:" || url.protocol === "http:")) {
    // The URL parser already wrote an http(s) host lower-case, in ASCII and canonical:
    // only an IPv6 address's brackets are left to take off (this runs for every request).
    const { hostname } = url;
    if (hostname === "") return null;
    return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
  }
  let parsed: URL;
  if (url instanceof URL) {
    parsed = url;
  } else {
    const text = url.trim();
    // A bare host (optionally with a port or path) is allowed: give it a scheme so the URL
    // parser does not take "host:443" for scheme "host:".
    try {
      parsed = new URL(SCHEME.test(text) ? text : `https://${text}`);
    } catch {
      return null;
    }
  }
  const host = normaliseHost(parsed.hostname);
  return host === "" ? null : host;
}

// Answers per parsed file (a new parse is a new object, so a changed file starts afresh):
// a host with no entry of its own would otherwise normalise every machine name per hop.
const answers = new WeakMap<Netrc, Map<string, NetrcEntry | undefined>>();
const MAX_HOSTS = 256;

/** The `machine` entry for a host, or `undefined`: `default` is the caller's choice. */
function machineEntryFor(netrc: Netrc, host: string): NetrcEntry | undefined {
  let known = answers.get(netrc);
  if (known?.has(host)) return known.get(host);
  let entry = netrc.machines.get(host);
  if (entry === undefined) {
    for (const [name, candidate] of netrc.machines) {
      if (normaliseHost(name) === host) {
        entry = candidate;
        break;
      }
    }
  }
  if (!known || known.size >= MAX_HOSTS) {
    known = new Map();
    answers.set(netrc, known);
  }
  known.set(host, entry);
  return entry;
}

/**
 * Basic-auth credentials for a URL's host from the user's netrc file ({@link netrcPath}).
 *
 * The entry whose `machine` is the host (the port is ignored) is used, else the `default`
 * entry. As Python's requests does, the login falls back to the entry's `account` and a
 * missing password is `""`; an entry with none of the three gives `null`.
 *
 * > [!WARNING]
 * > A file that group or others may read or write, or that another user owns, is refused
 * > (as `safe_netrc` does): `null`, or with `raiseErrors` an {@link IgwnAuthError} with code
 * > `ERR_INSECURE_PERMISSIONS` whose message says the access is too permissive.
 *
 * The parsed file is cached and re-read only when it changes, so calling this for every
 * request and redirect hop is cheap.
 *
 * @param url - a URL, or a bare host name such as `"example.org"` or `"example.org:8443"`
 * @returns `[login, password]`, or `null` when the file is missing, unusable (without
 *   `raiseErrors`) or has no entry for the host and no `default`.
 * @throws {@link IgwnAuthError} with `raiseErrors` when the file exists but cannot be used:
 *   `ERR_INSECURE_PERMISSIONS`, `ERR_FILE_READ` or `ERR_INVALID_NETRC`.
 *
 * @example
 * ```ts
 * const auth = getNetrcAuth("https://datafind.example.org/api/v1/data");
 * if (auth) {
 *   const [username, password] = auth;
 *   await got(url, { username, password });
 * }
 * ```
 * @category netrc
 */
export function getNetrcAuth(
  url: string | URL,
  options: GetNetrcAuthOptions = {},
): [login: string, password: string] | null {
  return lookupNetrcAuth(url, options);
}

/**
 * {@link getNetrcAuth}, where the file may be looked at only every `statEveryMs` (the
 * session's per-hop lookup: an edit is noticed within that time), and where the `default`
 * entry may be left out (a redirect target gets its own `machine` entry or nothing).
 *
 * @internal
 */
export function lookupNetrcAuth(
  url: string | URL,
  options: GetNetrcAuthOptions & {
    statEveryMs?: number;
    /** Fall back to the `default` entry (default `true`). */
    useDefault?: boolean;
  } = {},
): [login: string, password: string] | null {
  const host = hostOf(url);
  if (host === null) return null;
  let netrc: Netrc | null;
  try {
    netrc = loadNetrcFile(
      netrcPath(),
      options.statEveryMs ? { statEveryMs: options.statEveryMs } : {},
    );
  } catch (err) {
    if (options.raiseErrors === true || !(err instanceof IgwnAuthError)) throw err;
    return null;
  }
  if (netrc === null) return null;
  const entry =
    machineEntryFor(netrc, host) ?? (options.useDefault === false ? undefined : netrc.default);
  if (entry === undefined || !(entry.login || entry.account || entry.password)) return null;
  return [entry.login || entry.account || "", entry.password || ""];
}
