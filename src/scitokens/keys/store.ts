// The issuer key store: memory first, then disk, then the network, in the manner of jose's
// remote key set — a freshness window, one shared fetch per issuer, a cooldown before an
// unknown `kid` triggers another fetch, and stale keys when the issuer cannot be reached.
import type { KeyObject } from "node:crypto";
import { ErrorCode, IgwnAuthError } from "../../lib/errors.js";
import { formatDuration, quoted } from "../../lib/text.js";
import { readKeyCache, writeKeyCache } from "./disk-cache.js";
import type { IssuerFetchOptions } from "./http.js";
import { fetchJwks } from "./jwks.js";
import {
  type CachedKeySet,
  COOLDOWN_MS,
  freshnessMs,
  isFresh,
  STALE_IF_ERROR_MS,
} from "./key-set.js";
import {
  applyKeySet,
  type IssuerFailure,
  type IssuerKeyState,
  issuerKeyState,
} from "./memory-cache.js";
import { discoverJwksUri } from "./metadata.js";
import { importPublicJwk, type KeyHint, matchingJwks } from "./select.js";
import { requireIssuerUrl } from "./url-policy.js";

/** How the store may reach an issuer and where it keeps keys. */
export interface IssuerKeyOptions extends IssuerFetchOptions {
  /** Allow `http:` issuers and key set URLs. */
  insecure: boolean;
  /** The on-disk cache folder, or `false` for memory only. */
  cacheDir: string | false;
}

function describeKid(hint: KeyHint): string {
  return hint.kid === undefined ? `no kid (alg ${hint.alg})` : `kid ${quoted(hint.kid, 64)}`;
}

// A set fetched over http must not serve a caller that did not allow http.
function usable(entry: CachedKeySet | undefined, insecure: boolean): entry is CachedKeySet {
  return entry !== undefined && (insecure || entry.jwksUri.startsWith("https:"));
}

function keysFor(entry: CachedKeySet, hint: KeyHint): KeyObject[] {
  return matchingJwks(entry.keys, hint)
    .map(importPublicJwk)
    .filter((k): k is KeyObject => k !== null);
}

function noSuchKey(issuer: string, hint: KeyHint, entry: CachedKeySet): IgwnAuthError {
  const why =
    hint.kid === undefined
      ? "the token has no kid and the issuer does not publish exactly one key for its alg"
      : "the issuer publishes no such key";
  return new IgwnAuthError(
    `no signing key for ${describeKid(hint)} from issuer ${issuer} (key set ${entry.jwksUri}, ` +
      `fetched ${formatDuration((Date.now() - entry.fetchedAt) / 1000)} ago): ${why}`,
    { code: ErrorCode.KEY_RETRIEVAL },
  );
}

async function loadFromDisk(state: IssuerKeyState, issuer: string, dir: string): Promise<void> {
  let read = state.diskReads.get(dir);
  if (!read) {
    read = readKeyCache(dir, issuer).then((entry) => {
      if (entry) applyKeySet(state, entry);
    });
    state.diskReads.set(dir, read);
  }
  await read;
}

// What decides whether a failure applies to another caller: one who trusts other CAs, or
// allows http, may reach the issuer where this one could not.
function trustOf(options: IssuerKeyOptions): string {
  const ca = options.ca === undefined ? [] : [options.ca].flat();
  return `${options.insecure ? "insecure" : "https"}\0${ca.join("\0")}`;
}

function recentFailure(
  state: IssuerKeyState,
  options: IssuerKeyOptions,
  now: number,
): IssuerFailure | undefined {
  const failure = state.failure;
  if (failure === undefined || now - failure.at >= COOLDOWN_MS) return undefined;
  return failure.trust === trustOf(options) ? failure : undefined;
}

function rememberedFailure(issuer: string, failure: IssuerFailure, now: number): IgwnAuthError {
  const ago = Math.max(0, Math.round((now - failure.at) / 1000));
  return new IgwnAuthError(
    `${failure.error.message} (${formatDuration(ago)} ago; issuer ${issuer} is not asked again until ` +
      `${formatDuration(COOLDOWN_MS / 1000)} after the failure)`,
    { code: ErrorCode.KEY_RETRIEVAL, cause: failure.error },
  );
}

function reload(
  state: IssuerKeyState,
  issuer: string,
  issuerUrl: URL,
  options: IssuerKeyOptions,
): Promise<CachedKeySet> {
  if (state.inflight) return state.inflight;
  const seq = ++state.started;
  // Started on a later tick so `inflight` is always set before the fetch can settle.
  const run = Promise.resolve().then(async () => {
    try {
      const jwksUri = await discoverJwksUri(issuerUrl, options);
      const { keys, maxAgeSeconds } = await fetchJwks(jwksUri, issuer, options);
      const entry: CachedKeySet = {
        version: 1,
        issuer,
        jwksUri: jwksUri.href,
        keys,
        fetchedAt: Date.now(),
        maxAge: freshnessMs(maxAgeSeconds),
      };
      applyKeySet(state, entry, seq);
      state.failure = undefined;
      if (options.cacheDir !== false) await writeKeyCache(options.cacheDir, entry);
      return entry;
    } catch (err) {
      const error =
        err instanceof Error
          ? err
          : new IgwnAuthError(String(err), { code: ErrorCode.KEY_RETRIEVAL });
      state.failure = { at: Date.now(), error, trust: trustOf(options) };
      throw err;
    } finally {
      if (state.started === seq) state.inflight = undefined;
    }
  });
  state.inflight = run;
  return run;
}

/**
 * The public keys of `issuer` that may have signed a token with this header (`alg`, `kid`):
 * from memory, else from the disk cache, else from the issuer's metadata and key set.
 *
 * - A fresh cached set that has the key is used with no network at all.
 * - A fresh set without the key is refetched at most once per {@link COOLDOWN_MS}, so a
 *   rotated key is picked up but a flood of unknown `kid`s cannot flood the issuer.
 * - A stale set is refetched; if the issuer cannot be reached, keys fetched within
 *   {@link STALE_IF_ERROR_MS} are still used (and the next attempt waits for the cooldown).
 * - A failed fetch is remembered for {@link COOLDOWN_MS}, with nothing cached too: until
 *   then, a token the cache cannot verify fails at once with that failure (for callers
 *   with the same trust settings), so an issuer that is down costs one timeout, not one
 *   per token and audience.
 * - Concurrent callers share one fetch per issuer.
 *
 * Rejects with an {@link IgwnAuthError} coded `ERR_KEY_RETRIEVAL` naming the issuer and `kid`.
 *
 * @example
 * ```ts
 * const keys = await issuerPublicKeys("https://cilogon.org/igwn", { alg: "RS256", kid: "key-1" },
 *   { timeout: 5000, insecure: false, cacheDir: defaultKeyCacheDir() });
 * ```
 */
export async function issuerPublicKeys(
  issuer: string,
  hint: KeyHint,
  options: IssuerKeyOptions,
): Promise<KeyObject[]> {
  const issuerUrl = requireIssuerUrl(issuer, "issuer", options.insecure);
  // Keyed by the issuer exactly as written in tokens: that is what they are verified against.
  const state = issuerKeyState(issuer);
  if (options.cacheDir !== false) await loadFromDisk(state, issuer, options.cacheDir);

  const cached = state.current;
  const now = Date.now();
  if (usable(cached, options.insecure)) {
    const keys = keysFor(cached, hint);
    if (isFresh(cached, now)) {
      if (keys.length > 0) return keys;
      if (now - cached.fetchedAt < COOLDOWN_MS) throw noSuchKey(issuer, hint, cached);
    } else if (
      keys.length > 0 &&
      recentFailure(state, options, now) !== undefined &&
      now - cached.fetchedAt < STALE_IF_ERROR_MS
    ) {
      // The issuer just failed us: do not make every caller wait for another timeout.
      return keys;
    }
  }
  // Nothing cached serves this token and the issuer failed within the cooldown: fail at
  // once, as it failed then, rather than wait for another timeout per token and audience.
  const failure = recentFailure(state, options, now);
  if (failure !== undefined) throw rememberedFailure(issuer, failure, now);

  let entry: CachedKeySet;
  try {
    entry = await reload(state, issuer, issuerUrl, options);
  } catch (err) {
    const stale = state.current;
    if (usable(stale, options.insecure) && Date.now() - stale.fetchedAt < STALE_IF_ERROR_MS) {
      const keys = keysFor(stale, hint);
      if (keys.length > 0) return keys;
    }
    throw err;
  }
  // A reload another caller started may have been for a different hint: judge this one's.
  requireIssuerUrl(entry.jwksUri, `the jwks_uri of issuer ${issuer}`, options.insecure);
  const keys = keysFor(entry, hint);
  if (keys.length === 0) throw noSuchKey(issuer, hint, entry);
  return keys;
}
