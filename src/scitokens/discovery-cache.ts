// Per-request SciToken discovery at near-zero cost when nothing changed: the hot path of
// every request a Session makes with token discovery. Internal.

import { type PathState, pathUnchanged } from "../lib/fingerprint.js";
import {
  type CandidateOutcome,
  foundAndRejected,
  type WalkCounters,
  walkCandidates,
} from "./candidate-walk.js";
import { type CandidateList, discoveryEnvSnapshot, listCandidates } from "./candidates.js";
import type { DeserializeOptions } from "./deserialize.js";
import { type ClaimsRequest, claimsRequest } from "./enforce.js";
import type { SciToken } from "./token.js";

/**
 * A discovered token and where it came from (e.g. `$BEARER_TOKEN_FILE (/path)`).
 *
 * @category SciTokens
 */
export interface DiscoveredScitoken {
  /** The verified token. */
  readonly token: SciToken;
  /** Where it was found, e.g. `$BEARER_TOKEN_FILE (/run/user/1000/bt_u1000)`. */
  readonly source: string;
}

/** What a cached answer depends on, besides the environment snapshot. */
interface Watch {
  readonly path: string;
  readonly state: PathState;
}

interface Entry {
  /** Which discovery produced it: an older, slower one never overwrites a newer one. */
  readonly seq: number;
  readonly env: string;
  readonly result: DiscoveredScitoken | undefined;
  /** Tokens that were there and were passed over, as `source: reason` (for the debug log). */
  readonly rejected: readonly string[];
  /** Files (and the condor folder) whose change could change the answer. */
  readonly watches: readonly Watch[];
  /** The answer may change by itself at this time (Unix seconds). */
  readonly validUntil: number;
}

/** Counters for tests: how much real work the cache did. */
export interface DiscoveryStats extends WalkCounters {
  /** Discoveries run (cache misses, shared by concurrent callers). */
  walks: number;
}

/** Distinct requests remembered; a long-lived process talking to many hosts stays bounded. */
const MAX_ENTRIES = 256;

/**
 * SciToken discovery with a cache, for per-request use: the same answer as
 * `findScitoken` (skipping tokens that fail to load), reused until something it depends on
 * changes:
 * - any of `SCITOKEN`, `SCITOKEN_FILE`, `_CONDOR_CREDS`, `BEARER_TOKEN`,
 *   `BEARER_TOKEN_FILE`, `XDG_RUNTIME_DIR` (compared by value on every call);
 * - the file that supplied the token, or any file looked at before it (so a token
 *   appearing earlier in the order wins), by device, inode, size, mtime and ctime — the
 *   one `stat` per file that a cached answer costs;
 * - the `$_CONDOR_CREDS` folder listing (by its own stat);
 * - time: the token coming within `timeleft` of expiry, a passed-over token becoming
 *   valid (`nbf`), or an issuer whose keys could not be fetched being worth a retry.
 * "Nothing found" is cached the same way. Concurrent calls for the same request share one
 * discovery (one read, one verification).
 *
 * @example
 * ```ts
 * const discovery = new ScitokenDiscovery({ cacheDir: false });
 * const found = await discovery.find(targetAudience(url, false), ["read:/frames"], {});
 * if (found) headers.authorization = tokenAuthorizationHeader(found.token);
 * ```
 */
export class ScitokenDiscovery {
  readonly #deserialize: DeserializeOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<DiscoveredScitoken | undefined>>();
  #seq = 0;
  #lastKey:
    | {
        audience: readonly string[] | undefined;
        scope: readonly string[] | undefined;
        opts: object;
        issuer: readonly string[] | undefined;
        timeleft: number | undefined;
        key: string;
      }
    | undefined;
  /** Work done so far (for tests). */
  readonly stats: DiscoveryStats = { walks: 0, loads: 0 };

  constructor(deserialize: DeserializeOptions = {}) {
    this.#deserialize = { ...deserialize };
  }

  /**
   * The first valid token for this request, or `undefined` when there is none. Returns
   * the answer itself, not a promise, when a cached one still holds (the hot path: no
   * promise, no read, no verification); otherwise a promise of it. The arrays and options
   * are taken as given once: asked again with the same ones, they are not looked into again,
   * so pass ones that do not change afterwards (a strategy's own).
   *
   * @throws {TypeError} when a requested scope is malformed.
   */
  lookup(
    audience: readonly string[] | undefined,
    scope: readonly string[] | undefined,
    opts: { issuer?: readonly string[] | undefined; timeleft?: number | undefined } = {},
  ): DiscoveredScitoken | undefined | Promise<DiscoveredScitoken | undefined> {
    const key = this.#keyOf(audience, scope, opts);
    const env = discoveryEnvSnapshot();
    const entry = this.#entries.get(key);
    if (entry && isFresh(entry, env)) return entry.result;
    const request = claimsRequest(audience, scope, opts);
    // Joining only a discovery made with the same environment keeps answers exact.
    const flightKey = `${key}\0${env}`;
    let flight = this.#inflight.get(flightKey);
    if (!flight) {
      flight = this.#discover(key, env, request).finally(() => {
        if (this.#inflight.get(flightKey) === flight) this.#inflight.delete(flightKey);
      });
      this.#inflight.set(flightKey, flight);
    }
    return flight;
  }

  /**
   * The cache key of a request, kept for the arrays and options last asked with: a
   * session asks with the same ones request after request. Keyed on the request as given:
   * parsing it (and so any TypeError for a malformed scope) is left to a miss, since a
   * malformed request is never cached.
   */
  #keyOf(
    audience: readonly string[] | undefined,
    scope: readonly string[] | undefined,
    opts: { issuer?: readonly string[] | undefined; timeleft?: number | undefined },
  ): string {
    const last = this.#lastKey;
    if (
      last !== undefined &&
      last.audience === audience &&
      last.scope === scope &&
      last.opts === opts &&
      last.issuer === opts.issuer &&
      last.timeleft === opts.timeleft
    ) {
      return last.key;
    }
    const key = JSON.stringify([
      audience ?? null,
      scope ?? null,
      opts.issuer ?? null,
      opts.timeleft ?? 60,
    ]);
    this.#lastKey = { audience, scope, opts, issuer: opts.issuer, timeleft: opts.timeleft, key };
    return key;
  }

  /**
   * The first valid token for this request, or `undefined` when there is none.
   *
   * @throws {TypeError} when a requested scope is malformed.
   */
  async find(
    audience: readonly string[] | undefined,
    scope: readonly string[] | undefined,
    opts: { issuer?: readonly string[] | undefined; timeleft?: number | undefined } = {},
  ): Promise<DiscoveredScitoken | undefined> {
    return this.lookup(audience, scope, opts);
  }

  /**
   * The tokens the last discovery for this request found and passed over, as
   * `source: reason`, while its answer holds; `undefined` when there is none cached.
   */
  rejected(
    audience: readonly string[] | undefined,
    scope: readonly string[] | undefined,
    opts: { issuer?: readonly string[] | undefined; timeleft?: number | undefined } = {},
  ): readonly string[] | undefined {
    return this.#entries.get(this.#keyOf(audience, scope, opts))?.rejected;
  }

  /** Forget every cached answer (the next call to {@link find} looks again). */
  clear(): void {
    this.#entries.clear();
  }

  async #discover(
    key: string,
    env: string,
    request: ClaimsRequest,
  ): Promise<DiscoveredScitoken | undefined> {
    const seq = ++this.#seq;
    this.stats.walks += 1;
    const list = listCandidates();
    const outcomes: CandidateOutcome[] = [];
    let result: DiscoveredScitoken | undefined;
    const walk = walkCandidates(list.candidates, request, {
      deserialize: this.#deserialize,
      counters: this.stats,
    });
    for await (const outcome of walk) {
      outcomes.push(outcome);
      if (outcome.accepted && outcome.token) {
        result = { token: outcome.token, source: outcome.source };
        break;
      }
    }
    this.#store(key, {
      seq,
      env,
      result,
      rejected: outcomes.filter(foundAndRejected).map((o) => `${o.source}: ${o.reason}`),
      watches: watchesOf(list, outcomes),
      validUntil: Math.min(...outcomes.map((o) => o.changesAt)),
    });
    return result;
  }

  #store(key: string, entry: Entry): void {
    const current = this.#entries.get(key);
    if (current && current.seq > entry.seq) return;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}

/** Which files an answer depends on: every file looked at, and the condor folder if reached. */
function watchesOf(list: CandidateList, outcomes: readonly CandidateOutcome[]): Watch[] {
  const watches: Watch[] = [];
  for (const outcome of outcomes) {
    if (outcome.path !== undefined && outcome.state !== undefined) {
      watches.push({ path: outcome.path, state: outcome.state });
    }
  }
  // Files added to the folder matter only when the walk got that far.
  if (list.condorDir && outcomes.length > list.condorStart) watches.push(list.condorDir);
  return watches;
}

function isFresh(entry: Entry, env: string): boolean {
  if (entry.env !== env) return false;
  if (Date.now() / 1000 >= entry.validUntil) return false;
  for (const watch of entry.watches) {
    if (!pathUnchanged(watch.path, watch.state)) return false;
  }
  return true;
}
