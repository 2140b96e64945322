import { type Stats, statSync } from "node:fs";

/**
 * A cheap identity for a file's current content: device, inode, size, and modification
 * and change times. A rename over the path changes the inode; a rewrite in place changes
 * the times (and usually the size).
 */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

/** What is at a path: a file's identity, `"absent"`, or `"error:<code>"` when stat failed. */
export type PathState = FileIdentity | "absent" | `error:${string}`;

/** The {@link FileIdentity} of a file from its stats. */
export function identityOfStats(stats: Stats): FileIdentity {
  const { dev, ino, size, mtimeMs, ctimeMs } = stats;
  return { dev, ino, size, mtimeMs, ctimeMs };
}

/** Whether two identities are the same version of the same file. */
export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs
  );
}

/** The {@link PathState} of `path` now: one `stat`. */
export function pathStateOf(path: string): PathState {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats ? identityOfStats(stats) : "absent";
  } catch (err) {
    return `error:${(err as NodeJS.ErrnoException).code ?? "unknown"}`;
  }
}

/**
 * Whether `path` still holds what `state` describes. Compared field by field: this runs
 * on every request, and formatting times as text costs more than the comparison.
 */
export function pathUnchanged(path: string, state: PathState): boolean {
  const now = pathStateOf(path);
  if (typeof now === "string" || typeof state === "string") return now === state;
  return sameIdentity(now, state);
}

/** {@link PathState} as text, for keys that join several paths. */
export function fingerprintOfPath(path: string): string {
  const state = pathStateOf(path);
  if (typeof state === "string") return state;
  return `${state.dev}:${state.ino}:${state.size}:${state.mtimeMs}:${state.ctimeMs}`;
}
