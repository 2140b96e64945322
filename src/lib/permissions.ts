import type { Stats } from "node:fs";
import { currentEuid } from "./uid.js";

/**
 * Why a credential file is unsafe to use, or `null` when it is safe: it must be owned by
 * the current user and neither readable nor writable by group or others (as Python's
 * `safe_netrc` and `kinit` keytab checks require).
 */
export function unsafePermissionReason(stats: Stats): string | null {
  const uid = currentEuid();
  if (uid !== undefined && stats.uid !== uid) {
    return `is owned by uid ${stats.uid}, not the current user (uid ${uid})`;
  }
  if ((stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(3, "0");
    return `has mode ${mode}, which is too permissive (group or others may read or write it); fix with: chmod 600`;
  }
  return null;
}
