// The on-disk key cache: one JSON file per issuer, so an issuer seen before needs no network
// in a new process. Best effort: a file that is unreadable, corrupt or unsafe is ignored (and
// replaced on the next fetch), and failing to write never fails a verification.
import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, rename, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { currentEuid } from "../../lib/uid.js";
import { publicJwk } from "./jwks.js";
import { type CachedKeySet, MAX_MAX_AGE_MS } from "./key-set.js";

/** A cache file larger than this is not ours. */
const MAX_CACHE_FILE_BYTES = 512 * 1024;

/**
 * The default key cache folder: `$XDG_CACHE_HOME/igwn-auth-utils/keys`, or
 * `~/.cache/igwn-auth-utils/keys` when `XDG_CACHE_HOME` is unset or not absolute.
 *
 * @example
 * ```ts
 * defaultKeyCacheDir(); // "/home/albert/.cache/igwn-auth-utils/keys"
 * ```
 */
export function defaultKeyCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".cache");
  return join(base, "igwn-auth-utils", "keys");
}

/**
 * The cache file for `issuer` inside `dir`: a hash of the issuer, so any issuer string makes
 * a safe file name.
 *
 * @example
 * ```ts
 * keyCacheFile(dir, "https://cilogon.org/igwn"); // `${dir}/<64 hex digits>.json`
 * ```
 */
export function keyCacheFile(dir: string, issuer: string): string {
  return join(dir, `${createHash("sha256").update(issuer).digest("hex")}.json`);
}

// Ours, not a symlink, and nobody else can write into it. A folder we own with loose modes is
// tightened rather than abandoned.
async function safeDir(dir: string): Promise<boolean> {
  try {
    const stats = await lstat(dir);
    if (!stats.isDirectory()) return false;
    const uid = currentEuid();
    if (uid !== undefined && stats.uid !== uid) return false;
    if ((stats.mode & 0o077) !== 0) await chmod(dir, 0o700);
    return true;
  } catch {
    return false;
  }
}

function asKeySet(value: unknown, issuer: string): CachedKeySet | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const now = Date.now();
  if (v.version !== 1 || v.issuer !== issuer || typeof v.jwksUri !== "string") return undefined;
  if (
    typeof v.fetchedAt !== "number" ||
    !Number.isFinite(v.fetchedAt) ||
    v.fetchedAt > now + 60_000
  ) {
    return undefined;
  }
  if (typeof v.maxAge !== "number" || !(v.maxAge >= 0) || v.maxAge > MAX_MAX_AGE_MS)
    return undefined;
  if (!Array.isArray(v.keys)) return undefined;
  const keys = v.keys.map(publicJwk);
  if (keys.some((k) => k === undefined)) return undefined;
  return {
    version: 1,
    issuer,
    jwksUri: v.jwksUri,
    keys: keys as CachedKeySet["keys"],
    fetchedAt: v.fetchedAt,
    maxAge: v.maxAge,
  };
}

/**
 * The cached key set of `issuer` in `dir`, or `undefined` when there is none or the file is
 * not a safe, well-formed cache file of ours (a symlink, another user's, writable by others,
 * too large, corrupt, or for another issuer).
 *
 * @example
 * ```ts
 * const cached = await readKeyCache(defaultKeyCacheDir(), "https://cilogon.org/igwn");
 * ```
 */
export async function readKeyCache(dir: string, issuer: string): Promise<CachedKeySet | undefined> {
  if (!(await safeDir(dir))) return undefined;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(
      keyCacheFile(dir, issuer),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
    const stats = await handle.stat();
    const uid = currentEuid();
    if (!stats.isFile() || stats.size > MAX_CACHE_FILE_BYTES) return undefined;
    if ((uid !== undefined && stats.uid !== uid) || (stats.mode & 0o022) !== 0) return undefined;
    const text = await handle.readFile({ encoding: "utf8" });
    return asKeySet(JSON.parse(text), issuer);
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Write `entry` to its cache file in `dir` atomically (a private temporary file renamed over
 * the old one), creating `dir` with mode 0700; the file has mode 0600. Failures are swallowed:
 * the cache is an optimisation.
 *
 * @example
 * ```ts
 * await writeKeyCache(defaultKeyCacheDir(), entry);
 * ```
 */
export async function writeKeyCache(dir: string, entry: CachedKeySet): Promise<boolean> {
  const file = keyCacheFile(dir, entry.issuer);
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (!(await safeDir(dir))) return false;
    await writeFile(temp, `${JSON.stringify(entry)}\n`, { mode: 0o600, flag: "wx" });
    await rename(temp, file);
    return true;
  } catch {
    await unlink(temp).catch(() => undefined);
    return false;
  }
}
