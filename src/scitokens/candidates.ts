// Where a SciToken may be, in the order discovery looks: the list both findScitoken and the
// discovery cache walk. Internal.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type PathState, pathStateOf } from "../lib/fingerprint.js";
import { currentEuid } from "../lib/uid.js";
import { bearerTokenFileName } from "./bearer-token-file.js";

/**
 * The environment variables discovery reads. Comparing their values is how the cache
 * notices that the places to look have changed.
 */
export const DISCOVERY_ENV = [
  "SCITOKEN",
  "SCITOKEN_FILE",
  "_CONDOR_CREDS",
  "BEARER_TOKEN",
  "BEARER_TOKEN_FILE",
  "XDG_RUNTIME_DIR",
] as const;

/** One place to look. */
export type Candidate =
  /** A serialised token in an environment variable. */
  | { readonly kind: "value"; readonly source: string; readonly value: string }
  /** A token file. */
  | { readonly kind: "file"; readonly source: string; readonly path: string }
  /** Nothing to load, but worth reporting (a variable not set, an empty folder). */
  | {
      readonly kind: "note";
      readonly source: string;
      readonly path?: string;
      readonly reason: string;
    };

export interface CandidateList {
  readonly candidates: readonly Candidate[];
  /**
   * The `$_CONDOR_CREDS` folder and its state taken before it was listed: a file
   * added to or removed from it changes the candidates. `undefined` when the variable is
   * not set.
   */
  readonly condorDir?: { readonly path: string; readonly state: PathState };
  /** Index of the first `$_CONDOR_CREDS` candidate (those before it do not depend on it). */
  readonly condorStart: number;
}

/** A snapshot of everything in the environment that decides where discovery looks. */
export function discoveryEnvSnapshot(env: NodeJS.ProcessEnv = process.env): string {
  // Values cannot contain NUL, so joining on it is unambiguous; undefined and "" differ.
  let snapshot = String(currentEuid() ?? "");
  for (const name of DISCOVERY_ENV) {
    const value = env[name];
    snapshot += value === undefined ? "\0-" : `\0=${value}`;
  }
  return snapshot;
}

function condorCandidates(dir: string): Candidate[] {
  const source = `$_CONDOR_CREDS (${dir})`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "does not exist"
        : code === "ENOTDIR"
          ? "is not a folder"
          : `could not be listed (${code ?? "unknown error"})`;
    return [{ kind: "note", source, path: dir, reason }];
  }
  // Sorted so that the same folder always gives the same token.
  const tokens = names.filter((name) => name.endsWith(".use") && name !== ".use").sort();
  if (tokens.length === 0)
    return [{ kind: "note", source, path: dir, reason: "has no *.use files" }];
  return tokens.map((name) => {
    const path = join(dir, name);
    return { kind: "file", source: `$_CONDOR_CREDS (${path})`, path };
  });
}

/**
 * Every place to look for a SciToken, in order: `$SCITOKEN`, `$SCITOKEN_FILE`, each
 * `*.use` file in `$_CONDOR_CREDS` (by name), then WLCG bearer token discovery:
 * `$BEARER_TOKEN`, `$BEARER_TOKEN_FILE`, `$XDG_RUNTIME_DIR/bt_u<euid>`, `/tmp/bt_u<euid>`.
 * A path already listed is not listed again.
 */
export function listCandidates(env: NodeJS.ProcessEnv = process.env): CandidateList {
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  const addFile = (source: string, path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    candidates.push({ kind: "file", source, path });
  };
  const addValue = (name: string) => {
    const value = env[name];
    if (value === undefined)
      candidates.push({ kind: "note", source: `$${name}`, reason: "not set" });
    else candidates.push({ kind: "value", source: `$${name}`, value });
  };
  const addFileVar = (name: string) => {
    const path = env[name];
    if (path) addFile(`$${name} (${path})`, path);
    else
      candidates.push({
        kind: "note",
        source: `$${name}`,
        reason: path === "" ? "is empty" : "not set",
      });
  };

  addValue("SCITOKEN");
  addFileVar("SCITOKEN_FILE");
  let condorDir: CandidateList["condorDir"];
  const condorStart = candidates.length;
  const creds = env._CONDOR_CREDS;
  if (creds) {
    // Its state first: a change made while listing then shows up as a change.
    condorDir = { path: creds, state: pathStateOf(creds) };
    for (const candidate of condorCandidates(creds)) {
      if (candidate.kind === "file") addFile(candidate.source, candidate.path);
      else candidates.push(candidate);
    }
  } else {
    candidates.push({ kind: "note", source: "$_CONDOR_CREDS", reason: "not set" });
  }
  addValue("BEARER_TOKEN");
  addFileVar("BEARER_TOKEN_FILE");
  const euid = currentEuid();
  // Windows has no uids, and so no bt_u<uid> files.
  if (euid !== undefined) {
    const name = bearerTokenFileName(euid);
    const runtime = env.XDG_RUNTIME_DIR;
    if (runtime) addFile(`$XDG_RUNTIME_DIR/${name} (${join(runtime, name)})`, join(runtime, name));
    else
      candidates.push({
        kind: "note",
        source: `$XDG_RUNTIME_DIR/${name}`,
        reason: "$XDG_RUNTIME_DIR is not set",
      });
    addFile(join("/tmp", name), join("/tmp", name));
  }
  return condorDir ? { candidates, condorDir, condorStart } : { candidates, condorStart };
}
