// scitokens-cpp's own verdict on a token, from its command-line tools: what XRootD and
// HTCondor decide access with. The issuer's keys are seeded into scitokens-cpp's key cache
// (an SQLite file under $XDG_CACHE_HOME) so it never fetches them: it would do so with
// libcurl's built-in CA bundle, which no test CA is in.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { JWK } from "jose";

/** The first executable called `name` on PATH, or `undefined`. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** How the key cache gets written: the sqlite3 shell, or Python's sqlite3 module. */
type SqliteWriter = { kind: "sqlite3"; path: string } | { kind: "python3"; path: string };

function sqliteWriter(): SqliteWriter | undefined {
  const shell = onPath("sqlite3");
  if (shell) return { kind: "sqlite3", path: shell };
  const python = onPath("python3");
  if (python) {
    try {
      execFileSync(python, ["-c", "import sqlite3"], { stdio: "ignore" });
      return { kind: "python3", path: python };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const testAccess = onPath("scitokens-test-access");
const listAccess = onPath("scitokens-list-access");
const writer = sqliteWriter();

/** Why scitokens-cpp's verdicts cannot be had here, or `undefined` when they can. */
export const scitokensCppMissing: string | undefined =
  testAccess === undefined || listAccess === undefined
    ? "scitokens-test-access / scitokens-list-access not found on PATH (install the scitokens-cpp package; .ci/run does)"
    : writer === undefined
      ? "neither the sqlite3 shell nor Python's sqlite3 module is available to seed scitokens-cpp's key cache"
      : undefined;

/** scitokens-cpp's enforcer, run in a private HOME whose key cache holds one issuer's keys. */
export interface ScitokensCpp {
  /**
   * Whether scitokens-cpp's enforcer, made for `issuer` and each audience in turn, accepts
   * the token for every requested scope — `authz:path` items, each satisfied by any of the
   * authorisation names {@link cppAuthorizations} gives it — or, with no scope, lists the
   * token's ACLs without error (`undefined`: any scope will do).
   */
  accepts(token: string, audience: readonly string[], scope: string | undefined): Promise<boolean>;
  /** The last lines each tool printed for the last token, to explain a failed assertion. */
  readonly transcript: string[];
}

/**
 * The authorisations a server may check for a requested scope: its own name and, for a
 * WLCG storage scope, the SciTokens name (the library's rule, SPEC §5).
 */
export function cppAuthorizations(authz: string): string[] {
  const sciTokensName: Record<string, string> = {
    "storage.read": "read",
    "storage.create": "write",
    "storage.modify": "write",
  };
  const alias = Object.hasOwn(sciTokensName, authz) ? sciTokensName[authz] : undefined;
  return alias === undefined ? [authz] : [authz, alias];
}

function run(path: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(path, args, { env, timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

function seedKeyCache(dbFile: string, issuer: string, keys: readonly JWK[]): void {
  // What scitokens-cpp stores after fetching a key set (src/scitokens_cache.cpp): the
  // JWKS, when to refresh it and when it expires, in Unix seconds. Both far away, so the
  // cached keys are used as they are.
  const far = Math.floor(Date.now() / 1000) + 365 * 86400;
  const value = JSON.stringify({ jwks: { keys }, next_update: far, expires: far });
  const table =
    "CREATE TABLE IF NOT EXISTS keycache (issuer text UNIQUE PRIMARY KEY NOT NULL, keys text NOT NULL)";
  if (writer?.kind === "sqlite3") {
    const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
    execFileSync(writer.path, [dbFile], {
      input: `${table};\nINSERT OR REPLACE INTO keycache VALUES (${quote(issuer)}, ${quote(value)});\n`,
    });
  } else if (writer?.kind === "python3") {
    const script = [
      "import sqlite3, sys",
      "db = sqlite3.connect(sys.argv[1])",
      `db.execute("${table}")`,
      'db.execute("INSERT OR REPLACE INTO keycache VALUES (?, ?)", (sys.argv[2], sys.argv[3]))',
      "db.commit()",
    ].join("\n");
    execFileSync(writer.path, ["-c", script, dbFile, issuer, value]);
  } else {
    throw new Error(scitokensCppMissing);
  }
}

/**
 * scitokens-cpp for `issuer`, with `keys` (the issuer's public JWKs) in its key cache, in
 * a private HOME and XDG_CACHE_HOME under `dir`.
 */
export function scitokensCpp(issuer: string, keys: readonly JWK[], dir: string): ScitokensCpp {
  if (testAccess === undefined || listAccess === undefined) throw new Error(scitokensCppMissing);
  const cache = join(dir, "cache");
  mkdirSync(join(cache, "scitokens"), { recursive: true, mode: 0o700 });
  seedKeyCache(join(cache, "scitokens", "scitokens_cpp.sqllite"), issuer, keys);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, XDG_CACHE_HOME: cache };
  const transcript: string[] = [];
  const tool = async (path: string, args: string[]) => {
    const { code, output } = await run(path, args, env);
    const [, ...shown] = args; // never the token itself
    transcript.push(
      `${path.split("/").pop()} ${shown.join(" ")} → ${code}: ${output.split("\n").pop()}`,
    );
    return code === 0;
  };
  return {
    transcript,
    async accepts(token, audience, scope) {
      transcript.length = 0;
      const items = (scope ?? "").split(/\s+/).filter((item) => item !== "");
      // One enforcer per audience: scitokens-cpp accepts a token for a list of audiences
      // when it accepts it for one of them.
      const forAudience = async (aud: string): Promise<boolean> => {
        if (items.length === 0) return tool(listAccess, [token, issuer, aud]);
        for (const item of items) {
          const colon = item.indexOf(":");
          const authz = colon < 0 ? item : item.slice(0, colon);
          const path = colon < 0 ? "/" : item.slice(colon + 1);
          let granted = false;
          for (const name of cppAuthorizations(authz)) {
            if (await tool(testAccess, [token, issuer, aud, name, path])) {
              granted = true;
              break;
            }
          }
          if (!granted) return false;
        }
        return true;
      };
      for (const aud of audience) {
        if (await forAudience(aud)) return true;
      }
      return false;
    },
  };
}
