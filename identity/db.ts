import { fileURLToPath } from 'node:url';
import { type AnyDb, type DatabaseHandle, type OpenOptions, openDatabaseWith } from '../models/db-driver.ts';
import * as schema from './schema.ts';

/** The identity service's own database: its own schema and migrations, no platform table. */
export type IdentityDb = AnyDb<typeof schema>;
export type IdentityDatabase = DatabaseHandle<typeof schema>;

export const identityMigrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Opens and migrates: PostgreSQL when a URL is given, else PGlite under the data folder (locked). */
export async function openIdentityDb(options: OpenOptions): Promise<IdentityDatabase> {
  const handle = await openDatabaseWith(options, schema, identityMigrationsFolder);
  await handle.migrate();
  return handle;
}

export function identityDbOptions(config: { databaseUrl: string | undefined; dataDir: string }): OpenOptions {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'pglite', dataDir: config.dataDir };
}
