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

const log = getLogger(['parvis', 'kv']);

export type DatabaseKvStoreOptions = {
  /** How often, at most, a write also prunes expired entries (milliseconds). */
  pruneIntervalMs?: number;
  /** Rows fetched per round trip while listing. */
  listPageSize?: number;
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

  constructor(database: Database, options: DatabaseKvStoreOptions = {}) {
    this.#database = database;
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    this.#listPageSize = options.listPageSize ?? 500;
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const result = await kvGet(this.#database.db, encodeKey(key));
    return result.found ? (result.value as T) : undefined;
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    if (value === undefined) return this.delete(key);
    await kvSet(this.#database.db, encodeKey(key), value, ttlMs(options));
    this.#maybePrune();
  }

  async delete(key: KvKey): Promise<void> {
    await kvDelete(this.#database.db, encodeKey(key));
  }

  async cas(
    key: KvKey,
    expectedValue: unknown,
    newValue: unknown,
    options?: KvStoreSetOptions,
  ): Promise<boolean> {
    const swapped = await kvCompareAndSwap(
      this.#database.db,
      encodeKey(key),
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
