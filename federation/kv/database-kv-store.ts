import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from '@fedify/fedify';
import { getLogger } from '@logtape/logtape';
import type { Database } from '../../models/db.ts';
import {
  kvCompareAndSwap,
  kvDelete,
  kvGet,
  kvListPage,
  kvPruneExpired,
  kvSet,
  type TtlMs,
} from '../../models/kv.ops.ts';
import { durationMs } from './duration-ms.ts';
import { decodeKey, encodeKey } from './key-codec.ts';
import { LocalKvCache } from './local-cache.ts';

const log = getLogger(['parvis', 'kv']);

export type DatabaseKvStoreOptions = {
  /** How often, at most, a write also prunes expired entries (milliseconds). */
  pruneIntervalMs?: number;
  /** Rows fetched per round trip while listing. */
  listPageSize?: number;
  /**
   * Key prefixes whose entries are hints about other servers, safe to read a little stale:
   * this process keeps a copy of them (read-through, written through) and skips writing a
   * value it knows the database already holds. Never coordination state (circuit breaker,
   * idempotence marks), which other processes change.
   */
  cachedPrefixes?: readonly KvKey[];
  /** How long a cached copy is trusted (milliseconds). */
  cacheTtlMs?: number;
  /** The most entries cached. */
  cacheMaxEntries?: number;
};

/**
 * Fedify's KvStore on our database (PGlite or PostgreSQL), shared by every process of the
 * instance. Values are stored as JSON; `undefined` as a value means "no entry".
 */
export class DatabaseKvStore implements KvStore {
  readonly #database: Database;
  readonly #pruneIntervalMs: number;
  readonly #listPageSize: number;
  #lastPrune = Date.now();
  #pruning: Promise<void> | undefined;
  /** Encoded prefixes (with their trailing `/`) of the entries kept in `#cache`. */
  readonly #cachedPrefixes: string[];
  readonly #cache: LocalKvCache;

  constructor(database: Database, options: DatabaseKvStoreOptions = {}) {
    this.#database = database;
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    this.#listPageSize = options.listPageSize ?? 500;
    this.#cachedPrefixes = (options.cachedPrefixes ?? []).map((p) => `${encodeKey(p)}/`);
    this.#cache = new LocalKvCache({
      ttlMs: options.cacheTtlMs ?? 60_000,
      maxEntries: options.cacheMaxEntries ?? 10_000,
    });
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const encoded = encodeKey(key);
    const cached = this.#cacheable(encoded) ? this.#cache.get(encoded) : undefined;
    if (cached !== undefined) return JSON.parse(cached) as T;
    const result = await kvGet(this.#database.db, encoded);
    if (!result.found) return undefined;
    // Absent entries are not cached: one another process writes is seen at once.
    if (this.#cacheable(encoded) && result.value !== null)
      this.#cache.set(encoded, JSON.stringify(result.value), result.expiresInMs);
    return result.value as T;
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    if (value === undefined) return this.delete(key);
    const encoded = encodeKey(key);
    const ttl = ttlMs(options);
    if (this.#cacheable(encoded)) {
      const json = JSON.stringify(value);
      // Fedify remembers a server's signature spec after every delivery: the same value again.
      if (ttl === null && this.#cache.holdsForever(encoded, json)) return;
      await kvSet(this.#database.db, encoded, value, ttl);
      this.#cache.set(encoded, json, ttl);
    } else await kvSet(this.#database.db, encoded, value, ttl);
    this.#maybePrune();
  }

  async delete(key: KvKey): Promise<void> {
    const encoded = encodeKey(key);
    this.#cache.delete(encoded);
    await kvDelete(this.#database.db, encoded);
  }

  async cas(
    key: KvKey,
    expectedValue: unknown,
    newValue: unknown,
    options?: KvStoreSetOptions,
  ): Promise<boolean> {
    const encoded = encodeKey(key);
    this.#cache.delete(encoded);
    const swapped = await kvCompareAndSwap(
      this.#database.db,
      encoded,
      expectedValue,
      newValue,
      ttlMs(options),
    );
    this.#maybePrune();
    return swapped;
  }

  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    const encodedPrefix = prefix === undefined ? null : encodeKey(prefix);
    let after: string | null = null;
    for (;;) {
      const page = await kvListPage(this.#database.db, encodedPrefix, after, this.#listPageSize);
      for (const row of page) yield { key: decodeKey(row.key), value: row.value };
      const last = page.at(-1);
      if (!last || page.length < this.#listPageSize) return;
      after = last.key;
    }
  }

  /** Prunes expired rows in the background, at most once per interval; waits for a running prune. */
  async prune(): Promise<void> {
    this.#lastPrune = Date.now();
    this.#pruning ??= (async () => {
      try {
        while ((await kvPruneExpired(this.#database.db)) > 0) {}
      } finally {
        this.#pruning = undefined;
      }
    })();
    return this.#pruning;
  }

  #cacheable(encoded: string): boolean {
    return this.#cachedPrefixes.some((prefix) => encoded.startsWith(prefix));
  }

  #maybePrune(): void {
    if (this.#pruning || Date.now() - this.#lastPrune < this.#pruneIntervalMs) return;
    this.prune().catch((error: unknown) => {
      log.warn('Pruning expired KV entries failed; will retry later: {error}', { error });
    });
  }
}

function ttlMs(options: KvStoreSetOptions | undefined): TtlMs {
  if (!options?.ttl) return null;
  const ms = durationMs(options.ttl);
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`invalid KV ttl: ${options.ttl.toString()}`);
  return ms;
}
