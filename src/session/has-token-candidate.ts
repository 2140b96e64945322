import { existsSync } from "node:fs";
import { listCandidates } from "../scitokens/candidates.js";

/**
 * Whether any bearer-token source exists at all (a variable set, or a token file
 * present). A synchronous stand-in for discovery where no request URL, and so no
 * audience, exists yet; requests verify properly.
 */
export function hasTokenCandidate(): boolean {
  return listCandidates().candidates.some(
    (candidate) =>
      candidate.kind === "value" || (candidate.kind === "file" && existsSync(candidate.path)),
  );
}
