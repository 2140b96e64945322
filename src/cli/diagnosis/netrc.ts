// netrc in a diagnosis: used only when tokens are off; the login shown, never the password.
import { existsSync } from "node:fs";
import { isInsecureTransport } from "../../lib/origin.js";
import { getNetrcAuth, netrcPath } from "../../netrc/netrc.js";
import type { Mode, NetrcDiagnosis } from "./types.js";

export function diagnoseNetrc(url: string, tokenMode: Mode, noAuth: boolean): NetrcDiagnosis {
  const used = !noAuth && tokenMode === "off";
  const path = netrcPath();
  const host = new URL(url).hostname;
  let entry: { login: string } | null = null;
  let reason: string;
  let refused = false;
  if (!existsSync(path)) {
    reason = `${path} does not exist`;
  } else {
    try {
      const found = getNetrcAuth(url, { raiseErrors: true });
      entry = found ? { login: found[0] } : null;
      reason = found
        ? `${path} has an entry for ${host} (login ${found[0]})`
        : `${path} has no entry for ${host} and no default`;
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
      refused = true;
    }
  }
  if (entry && used && isInsecureTransport(new URL(url))) {
    return {
      used,
      path,
      entry,
      reason: `${reason}, but a netrc password is never sent over plain http to a host that is not this machine`,
    };
  }
  return { used, path, entry, reason, ...(refused ? { refused } : {}) };
}
