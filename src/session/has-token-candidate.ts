import { existsSync, readdirSync } from "node:fs";
import { defaultBearerTokenFile } from "../scitokens/bearer-token-file.js";

/**
 * Whether any bearer-token source exists at all (an environment variable set, or a token
 * file present). A synchronous stand-in for discovery where no request URL, and so no
 * audience, exists yet; requests verify properly.
 */
export function hasTokenCandidate(): boolean {
  const env = process.env;
  if (env.SCITOKEN || env.BEARER_TOKEN) return true;
  for (const file of [env.SCITOKEN_FILE, env.BEARER_TOKEN_FILE, defaultBearerTokenFile()]) {
    if (file && existsSync(file)) return true;
  }
  if (env._CONDOR_CREDS) {
    try {
      return readdirSync(env._CONDOR_CREDS).some((name) => name.endsWith(".use"));
    } catch {
      return false;
    }
  }
  return false;
}
