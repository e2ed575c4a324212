import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzleLite } from 'drizzle-orm/pglite';
import { migrate as migrateLite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema.ts';

export type IdentityDb = PgDatabase<PgQueryResultHKT, typeof schema>;
export type OpenedDb = { db: IdentityDb; close: () => Promise<void> };

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * Opens the identity database: PostgreSQL when a URL is given, otherwise PGlite in
 * `<dataDir>/pglite`, guarded by a lock file (two processes on one PGlite folder corrupt
 * it silently). Applies migrations.
 */
export async function openIdentityDb(options: { databaseUrl?: string; dataDir: string }): Promise<OpenedDb> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl });
    const db = drizzlePg(pool, { schema });
    await migratePg(db, { migrationsFolder });
    return { db, close: () => pool.end() };
  }
  await mkdir(options.dataDir, { recursive: true });
  const lockPath = path.join(options.dataDir, 'pglite.lock');
  await takeLock(lockPath);
  try {
    const client = await PGlite.create(path.join(options.dataDir, 'pglite'));
    const db = drizzleLite(client, { schema });
    await migrateLite(db, { migrationsFolder });
    return {
      db,
      close: async () => {
        await client.close();
        await rm(lockPath, { force: true });
      },
    };
  } catch (error) {
    await rm(lockPath, { force: true });
    throw error;
  }
}

async function takeLock(lockPath: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(lockPath, 'utf8')).trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new Error(`the identity database folder is in use by process ${pid} (${lockPath})`);
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new Error(`could not take the lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
