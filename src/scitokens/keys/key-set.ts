// The unit both caches hold: one issuer's key set and when it was fetched.
import type { JWK } from "jose";

/** Freshness when the issuer sends no `Cache-Control: max-age`. */
export const DEFAULT_MAX_AGE_MS = 60 * 60 * 1000;
/** An issuer cannot make us refetch more often than this… */
export const MIN_MAX_AGE_MS = 60 * 1000;
/** …nor keep a key set longer than this without a refetch. */
export const MAX_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** After a fetch (or a failed one), an unknown `kid` does not trigger another before this. */
export const COOLDOWN_MS = 30 * 1000;
/** When the issuer is unreachable, keys fetched at most this long ago are still used. */
export const STALE_IF_ERROR_MS = 7 * 24 * 60 * 60 * 1000;

/** One issuer's key set as cached in memory and on disk. */
export interface CachedKeySet {
  readonly version: 1;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly keys: readonly JWK[];
  /** Epoch milliseconds of the fetch. */
  readonly fetchedAt: number;
  /** Milliseconds the set stays fresh after `fetchedAt`. */
  readonly maxAge: number;
}

/**
 * The freshness window for an issuer's `max-age` (seconds), bounded to
 * [{@link MIN_MAX_AGE_MS}, {@link MAX_MAX_AGE_MS}].
 *
 * @example
 * ```ts
 * freshnessMs(undefined); // 3_600_000
 * freshnessMs(5);         // 60_000
 * ```
 */
export function freshnessMs(maxAgeSeconds: number | undefined): number {
  if (maxAgeSeconds === undefined || !Number.isFinite(maxAgeSeconds)) return DEFAULT_MAX_AGE_MS;
  return Math.min(MAX_MAX_AGE_MS, Math.max(MIN_MAX_AGE_MS, maxAgeSeconds * 1000));
}

/**
 * Whether the set is within its freshness window at `now`.
 *
 * @example
 * ```ts
 * if (!isFresh(entry)) await reload();
 * ```
 */
export function isFresh(entry: CachedKeySet, now: number = Date.now()): boolean {
  return now >= entry.fetchedAt && now < entry.fetchedAt + entry.maxAge;
}
