import type { Stats } from "node:fs";
import { currentEuid } from "./uid.js";

/**
 * Why a credential file is unsafe to use, or `null` when it is safe: it must be owned by
 * the current user and neither readable nor writable by group or others (as Python's
 * `safe_netrc` and `kinit` keytab checks require).
 */
export function unsafePermissionReason(stats: Stats, path?: string): string | null {
  const uid = currentEuid();
  if (uid !== undefined && stats.uid !== uid) {
    return `is owned by uid ${stats.uid}, not the current user (uid ${uid})`;
  }
  if ((stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(3, "0");
    return `has mode ${mode}, which is too permissive (group or others may read or write it); fix with: chmod 600${path === undefined ? "" : ` ${path}`}`;
  }
  return null;
}

/**
 * Whether a folder is one every local user may create files in (`/tmp`, `/var/tmp`,
 * `/dev/shm`: writable by others, usually with the sticky bit). A file found there may
 * have been put there by anyone, which is how a default path such as `/tmp/bt_u<uid>` or
 * `/tmp/x509up_u<uid>` can hold another user's credential before its owner makes one.
 * Only "others" counts: a folder writable by its group is a choice to share with that
 * group (and, with user-private groups, the default of `umask 002`).
 */
export function isSharedFolder(folder: Stats): boolean {
  return folder.isDirectory() && (folder.mode & 0o002) !== 0;
}

function describeMode(stats: Stats): string {
  return (stats.mode & 0o777).toString(8).padStart(3, "0");
}

/**
 * Why a credential file in a folder others can write to must not be used, or `null`: it
 * must be the current user's own and writable by no one else, as Globus tools refuse a
 * proxy the user does not own. `entry` is what the path itself is (`lstat`: a symbolic link
 * planted there is judged by its own owner), `opened` the stat of the file actually opened
 * (`undefined` before it is opened: only the link is judged then). `null` where there are
 * no user ids (Windows).
 */
export function plantedFileReason(
  entry: Stats | undefined,
  opened: Stats | undefined,
): string | null {
  const uid = currentEuid();
  if (uid === undefined) return null;
  if (entry?.isSymbolicLink() && entry.uid !== uid) {
    return `is a symbolic link owned by uid ${entry.uid}, not the current user (uid ${uid})`;
  }
  if (opened === undefined) return null;
  if (opened.uid !== uid) {
    return `is owned by uid ${opened.uid}, not the current user (uid ${uid})`;
  }
  if ((opened.mode & 0o022) !== 0) {
    return `has mode ${describeMode(opened)}: group or others may write to it`;
  }
  return null;
}
