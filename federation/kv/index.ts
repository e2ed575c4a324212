import type { KvKey, KvStore } from '@fedify/fedify';
import type { Database } from '../../models/db.ts';
import { DatabaseKvStore, type DatabaseKvStoreOptions } from './database-kv-store.ts';

export { DatabaseKvStore, type DatabaseKvStoreOptions };

/** Where Fedify remembers, per server origin, the HTTP signature standard it took last. */
export const SIGNATURE_SPEC_PREFIX: KvKey = ['_fedify', 'httpMessageSignaturesSpec'];

/**
 * Fedify's hints about other servers (its default key prefixes): their public keys, read on
 * every signed inbox POST, and the HTTP signature spec each accepts, read and written on every
 * delivery. Both are caches of what those servers publish; a copy a minute old is good enough.
 */
export const FEDIFY_HINT_PREFIXES: readonly KvKey[] = [['_fedify', 'publicKey'], SIGNATURE_SPEC_PREFIX];

/** The instance's KvStore for Fedify: on the instance's own database. */
export function createKvStore(database: Database, options?: DatabaseKvStoreOptions): KvStore {
  return new DatabaseKvStore(database, { cachedPrefixes: FEDIFY_HINT_PREFIXES, ...options });
}
