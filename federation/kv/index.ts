import type { KvStore } from '@fedify/fedify';
import type { Database } from '../../models/db.ts';
import { DatabaseKvStore, type DatabaseKvStoreOptions } from './database-kv-store.ts';

export { DatabaseKvStore, type DatabaseKvStoreOptions };

/** The instance's KvStore for Fedify: on the instance's own database. */
export function createKvStore(database: Database, options?: DatabaseKvStoreOptions): KvStore {
  return new DatabaseKvStore(database, options);
}
