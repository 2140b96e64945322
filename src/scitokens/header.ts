import type { SciToken } from "./token.js";

/**
 * The value of an HTTP `Authorization` header carrying `token` (RFC 6750):
 * `"Bearer <serialised token>"`.
 *
 * > [!WARNING]
 * > The result contains the token: send it, never log it.
 *
 * @example
 * ```ts
 * const token = await findScitoken(targetAudience(url), "read:/data");
 * headers.authorization = tokenAuthorizationHeader(token);
 * ```
 * @category SciTokens
 */
export function tokenAuthorizationHeader(token: SciToken | string, scheme = "Bearer"): string {
  const serialized = typeof token === "string" ? token.trim() : token.serialized;
  return `${scheme} ${serialized}`;
}
