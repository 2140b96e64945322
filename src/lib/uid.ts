// The user ids, read once: on some kernels (sandboxes such as gVisor) every system call
// costs tens of microseconds, and these are asked for on every request. A process that
// changes its own uid later (process.setuid) is not something this library serves.
let uid: number | undefined | null = null;
let euid: number | undefined | null = null;

/** The real user id (`undefined` where there is none, e.g. Windows). */
export function currentUid(): number | undefined {
  if (uid === null) uid = process.getuid?.();
  return uid;
}

/** The effective user id (`undefined` where there is none, e.g. Windows). */
export function currentEuid(): number | undefined {
  if (euid === null) euid = process.geteuid?.();
  return euid;
}
