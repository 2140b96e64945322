import { type Stats, statSync } from "node:fs";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { type FileIdentity, identityOfStats, sameIdentity } from "../lib/fingerprint.js";
import { unsafePermissionReason } from "../lib/permissions.js";
import { readCredentialFileSync } from "../lib/read-file.js";
import { type Netrc, parseNetrc } from "./parse.js";

// The lookup runs for every request and every redirect hop: remember each file's parsed
// form (or its parse error) under the identity of the version that was read, so an
// unchanged file costs one stat and a changed one is read again.
interface CachedNetrc {
  readonly identity: FileIdentity;
  readonly netrc?: Netrc;
  readonly error?: IgwnAuthError;
}

/** A handful of paths is plenty: $NETRC rarely changes within a process. */
const MAX_CACHED_PATHS = 8;
const cache = new Map<string, CachedNetrc>();
// What each path gave when last looked at, for callers that accept an answer up to
// `statEveryMs` old (a session: one stat less per request, where system calls are slow).
const checked = new Map<string, { at: number; netrc: Netrc | null; error?: IgwnAuthError }>();
let reads = 0;

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function remember(path: string, entry: CachedNetrc): void {
  cache.delete(path);
  cache.set(path, entry);
  if (cache.size > MAX_CACHED_PATHS) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
}

// As safe_netrc: the check applies to any netrc file, whatever it holds. Windows has no
// POSIX modes to check (Python skips the check there too).
function assertSafe(path: string, stats: Stats): void {
  if (process.platform === "win32") return;
  const reason = unsafePermissionReason(stats, path);
  if (reason === null) return;
  const message = reason.includes("too permissive")
    ? `netrc file ${path} ${reason}`
    : `netrc file ${path} ${reason}: access too permissive, only its owner may use it`;
  throw new IgwnAuthError(message, { code: ErrorCode.INSECURE_PERMISSIONS });
}

/**
 * The parsed netrc file at `path`, or `null` when there is no file there.
 *
 * @throws {@link IgwnAuthError} when the file is not safe to use (`ERR_INSECURE_PERMISSIONS`),
 *   cannot be read (`ERR_FILE_READ`, e.g. a directory) or cannot be parsed (`ERR_INVALID_NETRC`).
 */
export function loadNetrcFile(path: string, options: { statEveryMs?: number } = {}): Netrc | null {
  const window = options.statEveryMs ?? 0;
  if (window > 0) {
    const now = Date.now();
    const recent = checked.get(path);
    if (recent !== undefined && now - recent.at < window) {
      if (recent.error) throw recent.error;
      return recent.netrc;
    }
    try {
      const netrc = loadNetrcFile(path);
      checked.set(path, { at: now, netrc });
      return netrc;
    } catch (err) {
      if (err instanceof IgwnAuthError) checked.set(path, { at: now, netrc: null, error: err });
      throw err;
    }
  }
  let stats: Stats | undefined;
  try {
    // No exception for a missing file: most users have no netrc, and this runs per hop.
    stats = statSync(path, { throwIfNoEntry: false });
  } catch {
    // Let the read below describe the problem.
    return readAndParse(path);
  }
  if (stats === undefined) {
    cache.delete(path);
    return null;
  }
  const cached = cache.get(path);
  if (cached !== undefined && sameIdentity(cached.identity, identityOfStats(stats))) {
    // chmod and chown change ctime, so the verdict on the version read still holds; checking
    // again is free and catches a change of effective user.
    assertSafe(path, stats);
    if (cached.error !== undefined) {
      throw new IgwnAuthError(cached.error.message, { code: cached.error.code });
    }
    return cached.netrc ?? null;
  }
  // Refuse an unsafe file before reading it; the descriptor's own stat is checked again below.
  if (stats.isFile()) assertSafe(path, stats);
  return readAndParse(path);
}

function readAndParse(path: string): Netrc | null {
  let file: ReturnType<typeof readCredentialFileSync>;
  try {
    file = readCredentialFileSync(path, { what: "netrc file" });
  } catch (err) {
    // Removed between the stat and the open: as if it had never been there.
    if (err instanceof IgwnAuthError && isMissing(err.cause)) {
      cache.delete(path);
      return null;
    }
    throw err;
  }
  reads += 1;
  assertSafe(path, file.stats);
  const identity = identityOfStats(file.stats);
  try {
    const netrc = parseNetrc(file.text, path);
    remember(path, { identity, netrc });
    return netrc;
  } catch (err) {
    if (err instanceof IgwnAuthError) remember(path, { identity, error: err });
    throw err;
  }
}

/**
 * How many times a netrc file has been read and parsed in this process.
 *
 * @internal For tests of the cache; not part of the public API.
 */
export function netrcFileReads(): number {
  return reads;
}
