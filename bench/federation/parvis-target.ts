import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { signUp } from '../../models/accounts.ops.ts';
import { type Database, openDatabase } from '../../models/db.ts';
import { DomainEvents } from '../../models/events.ts';
import { createInstitution } from '../../models/institutions.ops.ts';
import { type Child, startChild, stopChild, waitUntil } from './processes.ts';
import { freePort, type Target } from './target.ts';

export type DatabaseChoice = 'pglite' | 'postgres';

const TOWN_HALL = 'mairie';
const AGENT = {
  email: 'agent@bench.parvis.invalid',
  password: 'bench-agent-password',
  handle: 'agent_bench',
};

/**
 * Runs Parvis as in production, from `server/main.ts`: on PGlite one process (NODE_ROLE=all)
 * on a fresh data folder; on PostgreSQL one web and two worker processes on a fresh database of
 * `postgresUrl`'s server (dropped on close). Before they start, the town hall (an institution)
 * and an admin who may post for it are created with the operations in models/.
 */
export async function startParvis(database: DatabaseChoice, postgresUrl: string): Promise<Target> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const logDir = mkdtempSync(path.join(tmpdir(), `parvis-bench-${database}-`));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warning',
    FEDERATION_ALLOW_PRIVATE_ADDRESS: 'true',
    SECRET_KEY: randomBytes(32).toString('hex'),
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: origin,
  };
  let dropDatabase: (() => Promise<void>) | undefined;
  if (database === 'pglite') {
    env.DATA_DIR = path.join(logDir, 'data');
    await prepare(await openDatabase({ kind: 'pglite', dataDir: env.DATA_DIR }));
  } else {
    const name = `parvis_bench_${randomBytes(4).toString('hex')}`;
    await onServer(postgresUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    const drop = async () => {
      await onServer(postgresUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    };
    dropDatabase = drop;
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.href;
    try {
      await prepare(await openDatabase({ kind: 'postgres', url: env.DATABASE_URL }));
    } catch (error) {
      await drop();
      throw error;
    }
  }

  const children: Child[] =
    database === 'pglite'
      ? [startChild('parvis-all', 'server/main.ts', { ...env, NODE_ROLE: 'all' }, logDir)]
      : [
          startChild('parvis-web', 'server/main.ts', { ...env, NODE_ROLE: 'web' }, logDir),
          startChild('parvis-worker-1', 'server/main.ts', { ...env, NODE_ROLE: 'worker' }, logDir),
          startChild('parvis-worker-2', 'server/main.ts', { ...env, NODE_ROLE: 'worker' }, logDir),
        ];
  const close = async () => {
    await Promise.all(children.map((c) => stopChild(c)));
    await dropDatabase?.();
    // BENCH_KEEP_LOGS=1 keeps the processes' output (and the PGlite data folder) for a look.
    if (process.env.BENCH_KEEP_LOGS === '1') console.error(`Parvis logs kept in ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
  };
  try {
    await waitUntil('Parvis to be ready', async () => (await fetch(`${origin}/readyz`)).ok, {
      timeoutMs: 60_000,
      children,
    });
    if (env.DATABASE_URL) {
      // Workers serve no HTTP: they are ready once both listen for queue notifications.
      const url = env.DATABASE_URL;
      await waitUntil('both workers to listen to the queue', async () => (await listeners(url)) >= 2, {
        timeoutMs: 60_000,
        children,
      });
    }
    // Key pairs are made on first use (the town hall's, and the instance actor's that signs the
    // shared inbox's fetches); a running instance has had them for long, so they are made here
    // rather than by the first timed requests (which would each generate a pair at once).
    for (const actor of [TOWN_HALL, 'instance.actor']) {
      const res = await fetch(`${origin}/users/${actor}`, {
        headers: { accept: 'application/activity+json' },
      });
      if (!res.ok) throw new Error(`the actor document of ${actor}: HTTP ${res.status}`);
    }
    const cookie = await logIn(origin);
    const api = async (method: string, pathname: string, body?: unknown) => {
      const res = await fetch(`${origin}/api/v1${pathname}`, {
        method,
        headers: { cookie, 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${pathname}: HTTP ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    return {
      label: `Parvis · ${database === 'pglite' ? 'PGlite' : 'PostgreSQL'}`,
      origin,
      townHall: `${origin}/users/${TOWN_HALL}`,
      async publish(content) {
        const post = (await api('POST', '/posts', { content, as: TOWN_HALL })) as { iri: string };
        return { activityId: `${post.iri}#create`, objectIri: post.iri };
      },
      async likesProcessed(objectIri) {
        const id = new URL(objectIri).pathname.split('/').pop();
        const post = (await api('GET', `/posts/${id}`)) as { counts: { likes: number } };
        return post.counts.likes;
      },
      workerPids: () =>
        children
          .filter((c) => c.name !== 'parvis-web')
          .flatMap((c) => (c.process.pid ? [c.process.pid] : [])),
      serverPids: () => children.flatMap((c) => (c.process.pid ? [c.process.pid] : [])),
      databasePids: async () => (env.DATABASE_URL ? backends(env.DATABASE_URL) : []),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Migrates, then creates the town hall and an admin account (admins may post for institutions). */
async function prepare(db: Database): Promise<void> {
  try {
    await db.migrate();
    const institution = await createInstitution(db.db, { handle: TOWN_HALL, name: 'Mairie' });
    if (!institution.ok) throw new Error(`creating the town hall: ${institution.reason}`);
    const agent = await signUp(
      { db: db.db, events: new DomainEvents() },
      { ...AGENT, displayName: 'Agent' },
      'admin',
    );
    if (!agent.ok) throw new Error(`creating the agent: ${agent.reason}`);
  } finally {
    await db.close();
  }
}

async function logIn(origin: string): Promise<string> {
  const res = await fetch(`${origin}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: AGENT.email, password: AGENT.password }),
  });
  if (!res.ok) throw new Error(`login: HTTP ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('parvis.sid='));
  if (!cookie) throw new Error('login: no session cookie');
  return cookie.split(';')[0] as string;
}

async function onServer<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Connections of `url`'s database whose last statement was a LISTEN (the queue workers'). */
function listeners(url: string): Promise<number> {
  const name = new URL(url).pathname.slice(1);
  return onServer(url, async (c) => {
    const r = await c.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'`,
      [name],
    );
    return (r.rows[0] as { n: number }).n;
  });
}

/** The server processes (backends) connected to `url`'s database, this one's excepted. */
function backends(url: string): Promise<number[]> {
  const name = new URL(url).pathname.slice(1);
  return onServer(url, async (c) => {
    const r = await c.query(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    return r.rows.map((row: { pid: number }) => row.pid);
  });
}
