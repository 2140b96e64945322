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
}

/** Authorisations that only make sense on a resource, so a path is mandatory. */
const AUTHZ_REQUIRING_PATH = new Set(["read", "write"]);

/**
 * scitokens-cpp's compatibility mode reads WLCG storage scopes as the SciTokens names a
 * SciTokens-only service would check (`storage.create` grants both `write` and `create`).
 */
const WLCG_COMPAT: Readonly<Record<string, readonly string[]>> = {
  "storage.read": ["read"],
  "storage.create": ["write", "create"],
  "storage.modify": ["write", "modify"],
};

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
 * segments, keep a trailing `/`. A `..` segment (also when percent-encoded) is refused:
 * a scope that climbs out of its own path cannot be trusted to mean what it says.
 *
 * @throws {ScopePathError} for a relative path or a path with `..`.
 */
export function normalizeScopePath(path: string): string {
  if (!path.startsWith("/")) {
    throw new ScopePathError("is a relative path (an absolute path is required)");
  }
  const segments: string[] = [];
  for (const raw of decodePath(path).split("/")) {
    if (raw === "..") throw new ScopePathError("contains path traversal ('..')");
    if (raw === "" || raw === ".") continue;
    segments.push(raw);
  }
  if (segments.length === 0) return "/";
  const joined = `/${segments.join("/")}`;
  return path.endsWith("/") ? `${joined}/` : joined;
}

/**
 * Whether a requested (normalised) path lies within an allowed one: the allowed path is
 * `/`, the same path, or a parent at a `/` boundary (`/john` allows `/john/file`, not
 * `/johnny`).
 */
export function scopePathMatches(requested: string, allowed: string): boolean {
  if (allowed === "/" || requested === allowed) return true;
  if (allowed.endsWith("/")) return requested.startsWith(allowed);
  return requested.startsWith(`${allowed}/`);
}

function splitScope(scope: string): { authz: string; path: string | undefined } {
  const colon = scope.indexOf(":");
  if (colon < 0) return { authz: scope, path: undefined };
  return { authz: scope.slice(0, colon), path: scope.slice(colon + 1) };
}

/**
 * Parse the scopes a caller requires (`"read:/a write:/b"` or a list of them).
 * `undefined` (or an empty list) means any scope will do.
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
    if (path === undefined || path === "") {
      if (AUTHZ_REQUIRING_PATH.has(authz)) {
        throw new TypeError(
          `requested scope "${text}" needs an absolute path, e.g. "${authz}:/path"`,
        );
      }
      return { authz, path: "/", text };
    }
    try {
      return { authz, path: normalizeScopePath(path), text };
    } catch (err) {
      throw new TypeError(`requested scope "${text}" ${(err as Error).message}`);
    }
  });
}

/**
 * Parse the grants of one token scope list (the space-separated `scope` claim, or the
 * items of a legacy `scp` list). With `wlcg` set, storage scopes also yield their
 * scitokens-cpp compatibility names.
 *
 * @returns the grants, or a string saying which scope is malformed (the enforcer refuses
 * the whole token then, whatever the other scopes grant).
 */
export function parseTokenScopes(scopes: readonly string[], wlcg: boolean): ScopeGrant[] | string {
  const grants: ScopeGrant[] = [];
  for (const text of scopes) {
    if (text === "") continue;
    const { authz, path } = splitScope(text);
    let normalized = "/";
    if (path === undefined) {
      if (AUTHZ_REQUIRING_PATH.has(authz)) return `scope "${text}" has no path`;
    } else {
      try {
        normalized = normalizeScopePath(path);
      } catch (err) {
        return `scope "${text}" ${(err as Error).message}`;
      }
    }
    grants.push({ authz, path: normalized });
    if (wlcg) {
      // Own entries only: a scope named "constructor" must not find Object.prototype's.
      const aliases = Object.hasOwn(WLCG_COMPAT, authz) ? WLCG_COMPAT[authz] : undefined;
      for (const alias of aliases ?? []) grants.push({ authz: alias, path: normalized });
    }
  }
  return grants;
}

/** Whether any grant allows the requested scope. */
export function grantsAllow(grants: readonly ScopeGrant[], requested: ScopeGrant): boolean {
  return grants.some(
    (grant) => grant.authz === requested.authz && scopePathMatches(requested.path, grant.path),
  );
}
