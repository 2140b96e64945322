import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { currentUid } from "../lib/uid.js";

/** `bt_u<uid>`, the WLCG bearer token file name for a user id. */
export function bearerTokenFileName(uid: number): string {
  return `bt_u${uid}`;
}

/**
 * Where a bearer token for this user lives by default, per the WLCG Bearer Token
 * Discovery convention (and where `htgettoken` writes one): `$BEARER_TOKEN_FILE`, else
 * `$XDG_RUNTIME_DIR/bt_u<uid>`, else `/tmp/bt_u<uid>`. The directory need not exist (as
 * in the Python package); an empty variable counts as unset.
 *
 * @example
 * ```ts
 * defaultBearerTokenFile(); // "/run/user/1000/bt_u1000"
 * ```
 * @category SciTokens
 */
export function defaultBearerTokenFile(): string {
  const env = process.env;
  if (env.BEARER_TOKEN_FILE) return env.BEARER_TOKEN_FILE;
  const uid = currentUid();
  if (uid === undefined) {
    // Windows has no uids: the Python package uses the temporary folder and login name.
    return join(tmpdir(), `bt_${userInfo().username}`);
  }
  return join(env.XDG_RUNTIME_DIR || "/tmp", bearerTokenFileName(uid));
}
