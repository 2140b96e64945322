import { constants, type Stats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { ErrorCode, IgwnAuthError } from "../lib/errors.js";
import { unsafePermissionReason } from "../lib/permissions.js";
import { runCommand } from "./command.js";
import { keytabPrincipal } from "./keytab.js";

/**
 * Options of {@link kinit}.
 *
 * @category SciTokens
 */
export interface KinitOptions {
  /** The keytab file; default `$KRB5_KTNAME` (a `FILE:` prefix is understood). */
  keytab?: string;
  /** The principal to get a ticket for; default the keytab's first principal. */
  principal?: string;
  /** The credentials cache to write (`kinit -c`); default kinit's own. */
  ccache?: string;
  /** Give up (and stop kinit) after this many milliseconds. */
  timeout?: number;
  /** The command to run (default `kinit`, found on `PATH`). */
  command?: string;
}

// Keytab names may carry a type prefix; only file keytabs can be checked and read.
const FILE_PREFIX = /^(?:FILE|WRFILE):/;
const OTHER_PREFIX = /^[A-Z][A-Z0-9]+:/;

function keytabPath(keytab: string | undefined): string {
  const name = keytab ?? process.env.KRB5_KTNAME;
  if (!name) {
    throw new IgwnAuthError(
      "no Kerberos keytab was given and $KRB5_KTNAME is not set; pass { keytab } or set KRB5_KTNAME",
      { code: ErrorCode.NO_CREDENTIAL },
    );
  }
  if (FILE_PREFIX.test(name)) return name.replace(FILE_PREFIX, "");
  if (OTHER_PREFIX.test(name)) {
    throw new IgwnAuthError(
      `Kerberos keytab ${name} is not a file keytab; only FILE: keytabs are supported`,
      { code: ErrorCode.FILE_READ },
    );
  }
  return name;
}

/**
 * Get a Kerberos ticket-granting ticket from a keytab, with the system `kinit` command:
 * `kinit -k -t <keytab> [-c <ccache>] <principal>`.
 *
 * > [!WARNING]
 * > A keytab is a password: one that the group or others may read (or that another user
 * > owns) is refused, with the `chmod` that fixes it.
 *
 * @throws {IgwnAuthError} `ERR_NO_CREDENTIAL` without a keytab, `ERR_FILE_READ` when it
 * cannot be read, `ERR_INSECURE_PERMISSIONS` when it is not private, and
 * `ERR_COMMAND_FAILED` (with kinit's own message) when kinit fails or is missing.
 *
 * @example
 * ```ts
 * await kinit({ keytab: "/home/albert/.robot.keytab" });
 * await kinit({ principal: "robot/ci.ligo.org@LIGO.ORG", ccache: "/tmp/krb5cc_robot" });
 * ```
 * @category SciTokens
 */
export async function kinit(opts: KinitOptions = {}): Promise<void> {
  const path = keytabPath(opts.keytab);
  const file = await readKeytab(path);
  const unsafe = unsafePermissionReason(file.stats, path);
  if (unsafe) {
    throw new IgwnAuthError(`refusing to use Kerberos keytab ${path}: it ${unsafe}`, {
      code: ErrorCode.INSECURE_PERMISSIONS,
    });
  }
  // As the Python package: the keytab's own principal unless told otherwise. When the
  // keytab cannot be parsed, kinit picks (and explains its failure in its own words).
  const principal = opts.principal ?? keytabPrincipal(file.content);
  const args = ["-k", "-t", path];
  if (opts.ccache) args.push("-c", opts.ccache);
  if (principal) args.push(principal);
  await runCommand(opts.command ?? "kinit", args, {
    timeout: opts.timeout,
    installHint: "install the MIT Kerberos client tools, e.g. krb5-user or krb5-workstation",
  });
}

/** Keytabs hold a handful of keys; anything bigger is not one. */
const MAX_KEYTAB_BYTES = 1024 * 1024;

/**
 * Read a keytab's bytes and the stat of the very descriptor read, so the permissions
 * checked are those of the bytes used (the shared credential reader decodes text; a
 * keytab is binary).
 */
async function readKeytab(path: string): Promise<{ content: Buffer; stats: Stats }> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "does not exist"
        : code === "EACCES" || code === "EPERM"
          ? "is not readable (permission denied)"
          : `could not be opened (${code ?? "unknown error"})`;
    throw new IgwnAuthError(`Kerberos keytab ${path} ${reason}`, {
      code: ErrorCode.FILE_READ,
      cause: err,
    });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size > MAX_KEYTAB_BYTES) {
      throw new IgwnAuthError(`Kerberos keytab ${path} is not a regular file of at most 1 MiB`, {
        code: ErrorCode.FILE_READ,
      });
    }
    return { content: await handle.readFile(), stats };
  } finally {
    await handle.close();
  }
}
