import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import request from 'supertest';
import { migrationsFolder } from '../models/db.ts';
import { selectRows } from '../models/db-driver.ts';
import { type RunningInstance, startInstance } from '../server/instance.ts';
import { newIdentity } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { freePort, tempDir, testConfig } from './support/instance.ts';
import { runScript } from './support/processes.ts';

const journalEntries = (
  JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  }
).entries.length;

async function appliedMigrations(instance: RunningInstance): Promise<number> {
  const rows = await selectRows<{ n: number }>(
    instance.ctx.db,
    sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`,
  );
  return rows[0]!.n;
}

/** An empty PostgreSQL database (not even migrated), dropped in `after`. */
async function emptyPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `parvis_restart_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

for (const kind of databaseKinds()) {
  describe(`database across restarts [${kind}]`, () => {
    let env: Record<string, string>;
    let dataDir: string;
    let drop = async () => {};
    before(async () => {
      dataDir = tempDir('parvis-restart-');
      env = { DATA_DIR: dataDir, DATABASE_URL: '' };
      if (kind === 'postgres') {
        const database = await emptyPostgresDatabase();
        env.DATABASE_URL = database.url;
        drop = database.drop;
      }
    });
    after(async () => {
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('migrations are applied once: a restarted instance keeps its data and its migration count', async function () {
      this.timeout(180_000);
      const identity = newIdentity('r');
      const port = await freePort();
      const config = testConfig(port, env);
      const url = `http://127.0.0.1:${port}`;

      const first = await startInstance(config);
      let count: number;
      try {
        count = await appliedMigrations(first);
        assert.equal(count, journalEntries);
        await request(url).post('/api/v1/accounts').send(identity).expect(201);
      } finally {
        await first.close();
      }

      for (let restart = 0; restart < 2; restart++) {
        const again = await startInstance(config);
        try {
          assert.equal(await appliedMigrations(again), count);
          assert.equal(await again.ctx.database.migrationsApplied(), true);
          const login = await request(url)
            .post('/api/v1/session')
            .send({ email: identity.email, password: identity.password });
          assert.equal(login.status, 200);
          assert.equal(login.body.activePersona, identity.handle);
        } finally {
          await again.close();
        }
      }
    });

    if (kind === 'pglite') {
      it('a second process on the same PGlite folder is refused with exit code 1 and a clear message', async function () {
        this.timeout(180_000);
        const port = await freePort();
        const first = await startInstance(testConfig(port, env));
        try {
          const second = await runScript('server/main.ts', [], {
            env: { ...env, PORT: String(await freePort()), HOST: '127.0.0.1', SECRET_KEY: 'x'.repeat(40) },
          });
          assert.equal(second.code, 1, second.stdout + second.stderr);
          assert.match(second.stderr, /already open in another process \(pid \d+\)/);
          assert.match(second.stderr, /DATABASE_URL/);
          assert.doesNotMatch(second.stderr, /at .*\.ts:\d+/, 'a message, not a stack trace');
          // The first instance is unharmed.
          assert.equal((await request(`http://127.0.0.1:${port}`).get('/readyz')).status, 200);
        } finally {
          await first.close();
        }
      });

      it('a lock left by a process that died does not block the next start', async function () {
        this.timeout(180_000);
        // A pid that cannot be alive (above the kernel's pid_max).
        writeFileSync(path.join(dataDir, 'pglite.lock'), '99999999\n');
        const instance = await startInstance(testConfig(await freePort(), env));
        await instance.close();
      });
    }
  });
}
