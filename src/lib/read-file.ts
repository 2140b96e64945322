import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  type Stats,
  statSync,
} from "node:fs";
import { lstat, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { ErrorCode, IgwnAuthError } from "./errors.js";
import { isSharedFolder, plantedFileReason } from "./permissions.js";

/** Credential files are small; anything larger is refused rather than read into memory. */
export const DEFAULT_MAX_CREDENTIAL_BYTES = 1024 * 1024;

/** What a read returned: the text and the stat of the very file descriptor that was read. */
export interface CredentialFile {
  readonly text: string;
  readonly stats: Stats;
}

export interface ReadCredentialOptions {
  /** A short description used in error messages, e.g. "bearer token file". */
  what?: string;
  /** Refuse files larger than this many bytes. */
  maxBytes?: number;
}

// O_NONBLOCK so that opening a FIFO never waits for a writer; O_NOCTTY so a tty path
// cannot become our controlling terminal.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

function describeOpenError(err: NodeJS.ErrnoException, what: string, path: string): IgwnAuthError {
  const reason =
    {
      ENOENT: "does not exist",
      EACCES: "is not readable (permission denied)",
      EPERM: "is not readable (permission denied)",
      EISDIR: "is a directory, not a file",
      ELOOP: "is a symbolic link loop",
      ENOTDIR: "has a path component that is not a directory",
      ENAMETOOLONG: "has a name that is too long",
    }[err.code ?? ""] ?? `could not be opened (${err.code ?? "unknown error"})`;
  return new IgwnAuthError(`${what} ${path} ${reason}`, { code: ErrorCode.FILE_READ, cause: err });
}

function checkStats(stats: Stats, what: string, path: string, maxBytes: number): void {
  if (stats.isDirectory()) {
    throw new IgwnAuthError(`${what} ${path} is a directory, not a file`, {
      code: ErrorCode.FILE_READ,
    });
  }
  if (!stats.isFile()) {
    throw new IgwnAuthError(`${what} ${path} is not a regular file`, { code: ErrorCode.FILE_READ });
  }
  if (stats.size > maxBytes) {
    throw new IgwnAuthError(
      `${what} ${path} is too large (${stats.size} bytes, the limit is ${maxBytes})`,
      { code: ErrorCode.FILE_READ },
    );
  }
}

/**
 * What the path is before it is opened, when it lies in a folder every user can write to
 * (`undefined` elsewhere, or when it cannot be looked at: the open then says why).
 */
interface SharedFolderEntry {
  readonly folder: string;
  readonly entry: Stats | undefined;
}

function sharedEntrySync(path: string): SharedFolderEntry | undefined {
  const folder = dirname(path);
  try {
    if (!isSharedFolder(statSync(folder))) return undefined;
  } catch {
    return undefined;
  }
  try {
    return { folder, entry: lstatSync(path) };
  } catch {
    return { folder, entry: undefined };
  }
}

async function sharedEntry(path: string): Promise<SharedFolderEntry | undefined> {
  const folder = dirname(path);
  try {
    if (!isSharedFolder(await stat(folder))) return undefined;
  } catch {
    return undefined;
  }
  try {
    return { folder, entry: await lstat(path) };
  } catch {
    return { folder, entry: undefined };
  }
}

// In /tmp anyone can create /tmp/bt_u<uid> or /tmp/x509up_u<uid> before its owner does:
// such a file is used only when it is ours and no one else could have written it, judged
// on the file actually opened, and on the path itself when that is a symbolic link.
// A link is judged before it is followed: where the kernel refuses to follow another
// user's link in /tmp (fs.protected_symlinks), the reason is still this one.
function checkShared(
  shared: SharedFolderEntry | undefined,
  stats: Stats | undefined,
  what: string,
  path: string,
): void {
  if (shared === undefined) return;
  const reason = plantedFileReason(shared.entry, stats);
  if (reason === null) return;
  throw new IgwnAuthError(
    `${what} ${path} ${reason}, and ${shared.folder} is a folder every user can write to: ` +
      "another user may have put it there, so it is not used",
    { code: ErrorCode.INSECURE_PERMISSIONS },
  );
}

// The stat size is only a first guess: procfs and some network file systems report 0 for
// files with content, and a file may grow while it is read. Reads go on to the end of the
// file, and stop one byte past the limit so that anything larger is refused, never cut short.
function initialSize(stats: Stats, maxBytes: number): number {
  return Math.min(Math.max(stats.size, 4096), maxBytes) + 1;
}

function grow(buffer: Buffer, maxBytes: number): Buffer {
  const next = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
  buffer.copy(next);
  return next;
}

function decode(buffer: Buffer, length: number): string {
  return buffer.subarray(0, length).toString("utf8");
}

/**
 * Read a small credential file safely: never blocks on a FIFO, refuses directories,
 * devices and oversized files, and turns every failure into an {@link IgwnAuthError}
 * that names the file (and never its contents). A file in a folder every user can write
 * to (`/tmp`) must be the current user's own and writable by no one else
 * (`ERR_INSECURE_PERMISSIONS` otherwise).
 */
export function readCredentialFileSync(
  path: string,
  options: ReadCredentialOptions = {},
): CredentialFile {
  const what = options.what ?? "file";
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CREDENTIAL_BYTES;
  const shared = sharedEntrySync(path);
  checkShared(shared, undefined, what, path);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    throw describeOpenError(err as NodeJS.ErrnoException, what, path);
  }
  try {
    const stats = fstatSync(fd);
    checkShared(shared, stats, what, path);
    checkStats(stats, what, path, maxBytes);
    let buffer: Buffer = Buffer.alloc(initialSize(stats, maxBytes));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) break;
        buffer = grow(buffer, maxBytes);
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) {
      throw new IgwnAuthError(`${what} ${path} is too large (the limit is ${maxBytes} bytes)`, {
        code: ErrorCode.FILE_READ,
      });
    }
    return { text: decode(buffer, length), stats };
  } catch (err) {
    if (err instanceof IgwnAuthError) throw err;
    throw describeOpenError(err as NodeJS.ErrnoException, what, path);
  } finally {
    closeSync(fd);
  }
}

/** The asynchronous twin of {@link readCredentialFileSync}. */
export async function readCredentialFile(
  path: string,
  options: ReadCredentialOptions = {},
): Promise<CredentialFile> {
  const what = options.what ?? "file";
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CREDENTIAL_BYTES;
  const shared = await sharedEntry(path);
  checkShared(shared, undefined, what, path);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (err) {
    throw describeOpenError(err as NodeJS.ErrnoException, what, path);
  }
  try {
    const stats = await handle.stat();
    checkShared(shared, stats, what, path);
    checkStats(stats, what, path, maxBytes);
    let buffer: Buffer = Buffer.alloc(initialSize(stats, maxBytes));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) break;
        buffer = grow(buffer, maxBytes);
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) {
      throw new IgwnAuthError(`${what} ${path} is too large (the limit is ${maxBytes} bytes)`, {
        code: ErrorCode.FILE_READ,
      });
    }
    return { text: decode(buffer, length), stats };
  } catch (err) {
    if (err instanceof IgwnAuthError) throw err;
    throw describeOpenError(err as NodeJS.ErrnoException, what, path);
  } finally {
    await handle.close();
  }
}
