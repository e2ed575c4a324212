import path from 'node:path';
import { type AnyDb, type DatabaseHandle, type OpenOptions, openDatabaseWith } from './db-driver.ts';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** The platform's database, as every operation in models/ receives it (a transaction fits too). */
export type Db = AnyDb<Schema>;
export type Database = DatabaseHandle<Schema>;
export type { OpenOptions };

export const migrationsFolder = path.join(import.meta.dirname, 'migrations');

export function openDatabase(options: OpenOptions): Promise<Database> {
  return openDatabaseWith(options, schema, migrationsFolder);
}

/** The open options a config implies: PostgreSQL when a URL is given, PGlite in DATA_DIR otherwise. */
export function databaseOptions(config: { databaseUrl: string | undefined; dataDir: string }): OpenOptions {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'pglite', dataDir: config.dataDir };
}
