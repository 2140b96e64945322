// Scope parsing and matching with the SciTokens enforcer's rules, plus the WLCG-profile
// translation that scitokens-cpp applies in its compatibility mode. Internal: the public
// entry point is isValidToken (validate.ts).

/** One `authz:path` pair, the path normalised (`/` when the scope has none). */
export interface ScopeGrant {
  readonly authz: string;
  readonly path: string;
}

/** A scope the caller asks for, with its original text for messages. */
export interface RequestedScope extends ScopeGrant {
  readonly text: string;
  /**
   * The authorisations that satisfy it: its own `authz` and, for a WLCG storage scope, the
   * SciTokens name scitokens-cpp reads it as (`storage.read` → `read`).
   */
  readonly accepts: readonly string[];
}

/** Authorisations that only make sense on a resource, so a path is mandatory. */
const AUTHZ_REQUIRING_PATH = new Set(["read", "write"]);

/**
 * scitokens-cpp's compatibility mode reads WLCG storage scopes as the SciTokens names a
 * SciTokens-only service would check (`storage.create` grants both `write` and `create`).
 * Unlike scitokens-cpp, which replaces the WLCG name, the name as written is kept as well,
 * so a service that checks `storage.read` itself finds it.
 */
const WLCG_COMPAT: Readonly<Record<string, readonly string[]>> = {
  "storage.read": ["read"],
  "storage.create": ["write", "create"],
  "storage.modify": ["write", "modify"],
};

/**
 * The same translation for a requested scope: asking for `storage.read:/x` is asking to
 * read `/x`, which a SciTokens token grants as `read:/x`.
 */
const REQUEST_COMPAT: Readonly<Record<string, readonly string[]>> = {
  "storage.read": ["read"],
  "storage.create": ["write"],
  "storage.modify": ["write"],
};

/** The HTCondor compute scopes that scitokens-cpp reads together as `condor:/WRITE`. */
const COMPUTE_WRITE = ["compute.modify", "compute.create", "compute.cancel"] as const;

// Own entries only: a scope named "constructor" must not find Object.prototype's.
function aliasesOf(table: Readonly<Record<string, readonly string[]>>, authz: string) {
  return Object.hasOwn(table, authz) ? (table[authz] ?? []) : [];
}

/** A scope path that is malformed in a way the enforcer refuses. */
export class ScopePathError extends Error {
  override readonly name = "ScopePathError";
}

// Percent-escapes of these stay encoded: decoding them would change the path's structure
// (`%2F` is not a separator) or turn an escape into a new escape (`%25`).
const KEEP_ENCODED = new Set(["/", "?", "+", "#", "%"]);

function decodeEscape(hex: string): string {
  const code = Number.parseInt(hex, 16);
  const char = String.fromCharCode(code);
  // Only printable ASCII is decoded; bytes of multi-byte characters stay as (upper-case)
  // escapes so both sides of a comparison normalise the same way.
  if (code >= 0x20 && code < 0x7f && !KEEP_ENCODED.has(char)) return char;
  return `%${hex.toUpperCase()}`;
}

function decodePath(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => decodeEscape(hex));
}

/**
 * Normalise an absolute scope path: decode harmless escapes, collapse `//`, drop `.`
 * segments and a trailing `/` (as scitokens-cpp does, so `write:/data/` is `write:/data`:
 * the folder itself and what is under it). A `..` segment (also when percent-encoded) is
 * refused: a scope that climbs out of its own path cannot be trusted to mean what it says
 * (scitokens-cpp 0.7.3 resolves it instead; later versions refuse it too).
 *
 * @throws {ScopePathError} for a relative or empty path, or a path with `..`.
 */
export function normalizeScopePath(path: string): string {
  if (!path.startsWith("/")) {
    throw new ScopePathError(
      path === ""
        ? "has an empty path (an absolute path is required)"
        : "is a relative path (an absolute path is required)",
    );
  }
  const segments: string[] = [];
  for (const raw of decodePath(path).split("/")) {
    if (raw === "..") throw new ScopePathError("contains path traversal ('..')");
    if (raw === "" || raw === ".") continue;
    segments.push(raw);
  }
  return `/${segments.join("/")}`;
}

/**
 * Whether a requested (normalised) path lies within an allowed one: the allowed path is
 * `/`, the same path, or a parent at a `/` boundary (`/john` allows `/john/file`, not
 * `/johnny`). scitokens-cpp 0.7.3 compares bare prefixes (`/john` allows `/johnny` there);
 * this follows the boundary rule of later versions and of the Python package, so a token
 * is never sent for a sibling path.
 */
export function scopePathMatches(requested: string, allowed: string): boolean {
  const parent = allowed.endsWith("/") ? allowed : `${allowed}/`;
  return allowed === "/" || requested === allowed || requested.startsWith(parent);
}

function splitScope(scope: string): { authz: string; path: string | undefined } {
  const colon = scope.indexOf(":");
  if (colon < 0) return { authz: scope, path: undefined };
  return { authz: scope.slice(0, colon), path: scope.slice(colon + 1) };
}

/**
 * Parse the scopes a caller requires (`"read:/a write:/b"` or a list of them).
 * `undefined` (or an empty list) means any scope will do. WLCG storage scopes also
 * accept their SciTokens names (`storage.read:/x` is satisfied by `read:/x`;
 * `storage.create` and `storage.modify` by `write`).
 *
 * @throws {TypeError} when a requested scope is malformed: `read`/`write` without a path,
 * a relative path, or a path with `..`. These are mistakes in the request, not in a token.
 */
export function parseRequestedScopes(
  scope: string | readonly string[] | undefined,
): RequestedScope[] | undefined {
  if (scope === undefined) return undefined;
  const items = (typeof scope === "string" ? [scope] : scope).flatMap((s) =>
    s.split(/\s+/).filter((part) => part !== ""),
  );
  if (items.length === 0) return undefined;
  return items.map((text) => {
    const { authz, path } = splitScope(text);
    const accepts = [authz, ...aliasesOf(REQUEST_COMPAT, authz)];
    if (path === undefined || path === "") {
      if (AUTHZ_REQUIRING_PATH.has(authz)) {
        throw new TypeError(
          `requested scope "${text}" needs an absolute path, e.g. "${authz}:/path"`,
        );
      }
      return { authz, path: "/", text, accepts };
    }
    try {
      return { authz, path: normalizeScopePath(path), text, accepts };
    } catch (err) {
      throw new TypeError(`requested scope "${text}" ${(err as Error).message}`);
    }
  });
}

/**
 * Parse the grants of one token scope list (the space-separated `scope` claim, or the
 * items of a legacy `scp` list). With `wlcg` set, scopes also yield the names
 * scitokens-cpp's compatibility mode reads them as: `storage.read` → `read`,
 * `storage.create` → `write` and `create`, `storage.modify` → `write` and `modify`,
 * `compute.read` → `condor:/READ`, and `compute.modify` + `compute.create` +
 * `compute.cancel` together → `condor:/WRITE`.
 *
 * A malformed item — `read` or `write` without a path, a relative or empty path, a path
 * with `..` — is ignored: it grants nothing, and the other items still count. (The Python
 * package refuses the whole token then; scitokens-cpp 0.7.3 reads `read` and `read:` as
 * `read:/` and a relative path as absolute, granting more than the issuer wrote. Ignoring
 * the item is the one reading that can never widen access.) An unknown authorisation
 * (`compute.create`, `urn:…` without a path) grants only itself.
 *
 * @param ignored when given, receives why each ignored item was ignored.
 * @returns the grants.
 */
export function parseTokenScopes(
  scopes: readonly string[],
  wlcg: boolean,
  ignored?: string[],
): ScopeGrant[] {
  const grants: ScopeGrant[] = [];
  const compute = new Set<string>();
  for (const text of scopes) {
    if (text === "") continue;
    const { authz, path } = splitScope(text);
    let normalized = "/";
    if (path === undefined) {
      if (AUTHZ_REQUIRING_PATH.has(authz)) {
        ignored?.push(`scope "${text}" has no path`);
        continue;
      }
    } else {
      try {
        normalized = normalizeScopePath(path);
      } catch (err) {
        ignored?.push(`scope "${text}" ${(err as Error).message}`);
        continue;
      }
    }
    grants.push({ authz, path: normalized });
    if (!wlcg) continue;
    for (const alias of aliasesOf(WLCG_COMPAT, authz)) {
      grants.push({ authz: alias, path: normalized });
    }
    if (authz === "compute.read") grants.push({ authz: "condor", path: "/READ" });
    compute.add(authz);
  }
  if (wlcg && COMPUTE_WRITE.every((authz) => compute.has(authz))) {
    grants.push({ authz: "condor", path: "/WRITE" });
  }
  return grants;
}

/** Whether any grant allows the requested scope. */
export function grantsAllow(
  grants: readonly ScopeGrant[],
  requested: ScopeGrant & { readonly accepts?: readonly string[] },
): boolean {
  const accepts = requested.accepts ?? [requested.authz];
  return grants.some(
    (grant) => accepts.includes(grant.authz) && scopePathMatches(requested.path, grant.path),
  );
}
