// Per-issuer state kept for the life of the process: the current key set, the one fetch in
// flight, and the bookkeeping that keeps reloads ordered.
import type { CachedKeySet } from "./key-set.js";

/** The last reload that failed: when, how, and with which trust settings. */
export interface IssuerFailure {
  /** Epoch ms. */
  readonly at: number;
  /** Why: the error the callers of that reload got. */
  readonly error: Error;
  /** The trust settings (`insecure`, extra CAs) it was made with. */
  readonly trust: string;
}

/** What the process knows about one issuer's keys. */
export interface IssuerKeyState {
  /** The newest key set applied, from the network or from disk. */
  current: CachedKeySet | undefined;
  /** The reload every concurrent caller waits on, while one runs. */
  inflight: Promise<CachedKeySet> | undefined;
  /** Number of the latest reload started. */
  started: number;
  /** Number of the reload whose result is `current`; an older one finishing late is dropped. */
  applied: number;
  /**
   * The last failed reload, for the cooldown before trying again: kept even when no key
   * was ever fetched, so an issuer that is down costs one timeout per cooldown, not one
   * per token and audience.
   */
  failure: IssuerFailure | undefined;
  /** Disk reads done (or running) for this issuer, per cache folder: once each. */
  readonly diskReads: Map<string, Promise<void>>;
}

const states = new Map<string, IssuerKeyState>();

/**
 * The state of `issuer`, created empty on first use.
 *
 * @example
 * ```ts
 * const state = issuerKeyState("https://cilogon.org/igwn");
 * ```
 */
export function issuerKeyState(issuer: string): IssuerKeyState {
  let state = states.get(issuer);
  if (!state) {
    state = {
      current: undefined,
      inflight: undefined,
      started: 0,
      applied: 0,
      failure: undefined,
      diskReads: new Map(),
    };
    states.set(issuer, state);
  }
  return state;
}

/**
 * Apply a key set: from reload number `seq` unless a newer reload was applied already, or,
 * without `seq` (read from disk), only when it was fetched later than the current one.
 *
 * @example
 * ```ts
 * applyKeySet(state, entry, seq);
 * ```
 */
export function applyKeySet(state: IssuerKeyState, entry: CachedKeySet, seq?: number): void {
  if (seq === undefined) {
    if (!state.current || entry.fetchedAt > state.current.fetchedAt) state.current = entry;
    return;
  }
  if (seq <= state.applied) return;
  state.current = entry;
  state.applied = seq;
}

/**
 * Forget every issuer's keys held in memory (the disk cache is left alone). For tests.
 *
 * @internal
 * @example
 * ```ts
 * afterEach(() => clearKeyCache());
 * ```
 */
export function clearKeyCache(): void {
  states.clear();
}
