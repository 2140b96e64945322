import type { AuthStrategy } from "./types.js";

/**
 * The strategy that authenticates nothing: what a `forceNoauth` session uses.
 *
 * @example
 * ```ts
 * const session = new Session({ auth: new NoAuthStrategy() });
 * ```
 * @category Strategies and DI
 */
export class NoAuthStrategy implements AuthStrategy {
  /** Always `"none"`. */
  readonly name = "none";
}
