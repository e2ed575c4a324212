import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type Database, migrationsFolder, openDatabase } from '../../models/db.ts';
import { openDatabaseWith } from '../../models/db-driver.ts';

/**
 * Test databases: PGlite always, PostgreSQL too when TEST_DATABASE_URL is set (always in CI).
 * PGlite: migrated once per process, dumped, and each test database loads the dump (~0.5 s).
 * PostgreSQL: migrated once into a template database, and each test database is a copy of it.
 */
export type DatabaseKind = 'pglite' | 'postgres';

export function databaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

let pgliteDump: Promise<Blob> | undefined;
function migratedPgliteDump(): Promise<Blob> {
  pgliteDump ??= (async () => {
    const handle = await openDatabase({ kind: 'pglite-memory' });
    await handle.migrate();
    const client = handle.pglite as PGlite;
    const dump = await client.dumpDataDir('none');
    await handle.close();
    return dump;
  })();
  return pgliteDump;
}

const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
const created: string[] = [];
let template: Promise<string> | undefined;

function serverUrl(database: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  return url.href;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = `parvis_tmpl_${runId}`;
    await admin((c) => c.query(`CREATE DATABASE ${name}`));
    created.push(name);
    const handle = await openDatabaseWith({ kind: 'postgres', url: serverUrl(name) }, {}, migrationsFolder);
    await handle.migrate();
    await handle.close();
    return name;
  })();
  return template;
}

let counter = 0;

/** A fresh PostgreSQL database (migrated) for one test suite or one instance; returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  const tmpl = await migratedTemplate();
  const name = `parvis_test_${runId}_${++counter}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${tmpl}`));
  created.push(name);
  return serverUrl(name);
}

/** Opens a fresh, migrated database of the given kind. Close it in `after`. */
export async function openTestDatabase(kind: DatabaseKind): Promise<Database> {
  if (kind === 'pglite') {
    return openDatabase({ kind: 'pglite-memory', loadDataDir: await migratedPgliteDump() });
  }
  return openDatabase({ kind: 'postgres', url: await createPostgresDatabase(), poolMax: 5 });
}

/** Drops the PostgreSQL databases this process created (run from the root `afterAll`). */
export async function dropCreatedDatabases(): Promise<void> {
  if (!process.env.TEST_DATABASE_URL || created.length === 0) return;
  await admin(async (c) => {
    for (const name of created.reverse()) {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    }
  });
  created.length = 0;
}

/**
 * Declares a suite once per database kind: `forEachDatabase('personas', (get) => { it(…) })`.
 * `get()` returns the open database inside hooks and tests.
 */
export function forEachDatabase(
  title: string,
  body: (get: () => Database, kind: DatabaseKind) => void,
): void {
  for (const kind of databaseKinds()) {
    describe(`${title} [${kind}]`, () => {
      let database: Database | undefined;
      before(async function () {
        this.timeout(120_000);
        database = await openTestDatabase(kind);
      });
      after(async () => {
        await database?.close();
        database = undefined;
      });
      body(() => {
        if (!database) throw new Error('database not open yet: use it inside hooks or tests');
        return database;
      }, kind);
    });
  }
}
