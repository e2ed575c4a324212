import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { acquireDataDirLock } from './pglite-lock.ts';

/**
 * One way to open a database for every part of the project (the platform and the identity
 * service each pass their own schema and migrations): PGlite in a folder or in memory, or a
 * PostgreSQL server through node-postgres. Callers get the same drizzle API either way.
 */
export type AnyDb<S extends Record<string, unknown>> = PgDatabase<PgQueryResultHKT, S>;

export type OpenOptions =
  | { kind: 'postgres'; url: string; poolMax?: number }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'pglite-memory'; loadDataDir?: Blob };

export type Listener = (payload: string) => void;

export interface DatabaseHandle<S extends Record<string, unknown>> {
  readonly kind: 'pglite' | 'postgres';
  readonly db: AnyDb<S>;
  /** The node-postgres pool, in PostgreSQL mode (for adapters that need one). */
  readonly pool: pg.Pool | undefined;
  /** The PGlite instance, in embedded mode. */
  readonly pglite: PGlite | undefined;
  listen(channel: string, onMessage: Listener): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  migrate(): Promise<void>;
  /** True when every migration in the folder has been applied. */
  migrationsApplied(): Promise<boolean>;
  close(): Promise<void>;
}

export async function openDatabaseWith<S extends Record<string, unknown>>(
  options: OpenOptions,
  schema: S,
  migrationsFolder: string,
): Promise<DatabaseHandle<S>> {
  if (options.kind === 'postgres')
    return openPostgres(options.url, options.poolMax ?? 10, schema, migrationsFolder);
  return openPglite(options, schema, migrationsFolder);
}

async function openPglite<S extends Record<string, unknown>>(
  options: { kind: 'pglite'; dataDir: string } | { kind: 'pglite-memory'; loadDataDir?: Blob },
  schema: S,
  migrationsFolder: string,
): Promise<DatabaseHandle<S>> {
  let release = () => {};
  let client: PGlite;
  if (options.kind === 'pglite') {
    mkdirSync(options.dataDir, { recursive: true });
    release = acquireDataDirLock(options.dataDir);
    try {
      client = await PGlite.create(path.join(options.dataDir, 'pglite'));
    } catch (err) {
      release();
      throw err;
    }
  } else {
    client = await PGlite.create(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {});
  }
  const db = drizzlePglite({ client, schema }) as unknown as AnyDb<S>;
  let closed = false;
  return {
    kind: 'pglite',
    db,
    pool: undefined,
    pglite: client,
    async listen(channel, onMessage) {
      const unsubscribe = await client.listen(channel, onMessage);
      return async () => {
        if (!closed) await unsubscribe();
      };
    },
    async notify(channel, payload) {
      await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async migrate() {
      await migratePglite(drizzlePglite({ client }), { migrationsFolder });
    },
    migrationsApplied: () => migrationsApplied(db, migrationsFolder),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

async function openPostgres<S extends Record<string, unknown>>(
  url: string,
  poolMax: number,
  schema: S,
  migrationsFolder: string,
): Promise<DatabaseHandle<S>> {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, connectionTimeoutMillis: 10_000 });
  // A dropped idle connection must not crash the process; the pool replaces it on next use.
  pool.on('error', () => {});
  // A connection cut while a client is checked out (inside a transaction) is emitted on the
  // client: without a listener that is an uncaught exception. And drizzle's transaction() sends
  // BEGIN before its try/finally, so when BEGIN fails the client is never released and the pool
  // shrinks for good (after a few outages every query waits). Such a client is handed back here
  // (and destroyed); the caller's query rejects anyway, and its later release() does nothing.
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_err, client) => checkedOut.delete(client));
  pool.on('connect', (client) =>
    client.on('error', (err) => {
      if (!checkedOut.has(client)) return;
      const release = client.release;
      client.release = () => {};
      release(err);
    }),
  );
  const db = drizzlePg({ client: pool, schema }) as unknown as AnyDb<S>;
  const listeners = new Map<string, Set<Listener>>();
  let listenClient: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;

  // One dedicated connection carries every LISTEN; it reconnects (and re-listens) when cut.
  const connectListener = async (): Promise<pg.Client> => {
    if (listenClient) return listenClient;
    connecting ??= (async () => {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      client.on('end', () => {
        if (listenClient === client) listenClient = undefined;
        if (!closed && listeners.size > 0) scheduleReconnect(250);
      });
      client.on('notification', (msg) => {
        for (const fn of listeners.get(msg.channel) ?? []) fn(msg.payload ?? '');
      });
      await client.connect();
      for (const channel of listeners.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
      listenClient = client;
      return client;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };
  const scheduleReconnect = (delay: number) => {
    setTimeout(() => {
      if (closed || listenClient) return;
      connectListener().catch(() => scheduleReconnect(Math.min(delay * 2, 5_000)));
    }, delay).unref();
  };

  return {
    kind: 'postgres',
    db,
    pool,
    pglite: undefined,
    async listen(channel, onMessage) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        // A fresh connection LISTENs on every known channel, this one included.
        if (listenClient) await listenClient.query(`LISTEN ${quoteIdent(channel)}`);
        else await connectListener();
      }
      set.add(onMessage);
      return async () => {
        const current = listeners.get(channel);
        current?.delete(onMessage);
        if (current && current.size === 0) {
          listeners.delete(channel);
          if (listenClient && !closed) await listenClient.query(`UNLISTEN ${quoteIdent(channel)}`);
        }
      };
    },
    async notify(channel, payload) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async migrate() {
      // Several processes may start at once: serialise migrations with an advisory lock.
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock(727274)');
        await migratePg(drizzlePg({ client }), { migrationsFolder });
      } finally {
        await client.query('SELECT pg_advisory_unlock(727274)').catch(() => {});
        client.release();
      }
    },
    migrationsApplied: () => migrationsApplied(db, migrationsFolder),
    async close() {
      if (closed) return;
      closed = true;
      const client = listenClient;
      listenClient = undefined;
      await client?.end().catch(() => {});
      await pool.end();
    },
  };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function migrationsApplied(
  db: AnyDb<Record<string, unknown>>,
  migrationsFolder: string,
): Promise<boolean> {
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  try {
    const rows = await selectRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`,
    );
    const n = rows[0]?.n ?? 0;
    return n >= journal.entries.length;
  } catch {
    // The migrations table does not exist yet: nothing applied.
    return false;
  }
}

/** True when `db` runs on PGlite (inside this process), false on a PostgreSQL server. */
export function isEmbedded(db: AnyDb<Record<string, unknown>>): boolean {
  return (db as { $client?: unknown }).$client instanceof PGlite;
}

/** Runs raw SQL and returns its rows, the same on PGlite and node-postgres. */
export async function selectRows<T>(db: AnyDb<Record<string, unknown>>, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
