import { type Stats, statSync } from "node:fs";

/**
 * A cheap identity for a file's current content: device, inode, size, and modification
 * and change times. A rename over the path changes the inode; a rewrite in place changes
 * the times (and usually the size).
 */
export function fingerprintOfStats(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/** {@link fingerprintOfStats} of whatever is at `path` now (`absent` when nothing is). */
export function fingerprintOfPath(path: string): string {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats ? fingerprintOfStats(stats) : "absent";
  } catch (err) {
    return `error:${(err as NodeJS.ErrnoException).code ?? "unknown"}`;
  }
}
