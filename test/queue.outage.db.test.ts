import assert from 'node:assert/strict';
import { DatabaseMessageQueue } from '../federation/queue/index.ts';
import { type Database, openDatabase } from '../models/db.ts';
import { createPostgresDatabase } from './support/databases.ts';
import { freePort } from './support/instance.ts';
import { QueueHarness, sleep, waitFor } from './support/queue-harness.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

type Msg = { n: number };

// Connections to cut exist only with a PostgreSQL server (PGlite runs in the process).
(process.env.TEST_DATABASE_URL ? describe : describe.skip)(
  'MessageQueue through database outages [postgres]',
  () => {
    let direct: Database;
    let proxied: Database;
    let proxy: TcpProxy;
    const harness = new QueueHarness();
    before(async () => {
      const url = new URL(await createPostgresDatabase());
      direct = await openDatabase({ kind: 'postgres', url: url.href, poolMax: 3 });
      proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
      proxy.port = await freePort();
      url.host = `127.0.0.1:${proxy.port}`;
      // The pool connects lazily: nothing is reached until the worker starts.
      proxied = await openDatabase({ kind: 'postgres', url: url.href, poolMax: 3 });
    });
    afterEach(async () => harness.reset(direct));
    after(async () => {
      await proxy.up();
      await proxied.close();
      await proxy.down();
      await direct.close();
    });

    it('a worker started while the database is unreachable works once it is back, woken by notifications', async () => {
      const producer = new DatabaseMessageQueue(direct);
      const seen = new Set<number>();
      // Polling every ten minutes: after the outage, only a re-established LISTEN can wake it.
      harness.consume(proxied, (m) => void seen.add((m as Msg).n), { pollIntervalMs: 600_000 });
      for (let n = 0; n < 5; n++) await producer.enqueue({ n });
      await sleep(500);
      assert.equal(seen.size, 0);
      await proxy.up();
      await waitFor('the jobs stored during the outage', () => seen.size === 5, 30_000);
      // The worker is idle now; give the LISTEN connection its background reconnect.
      await sleep(1_500);
      await producer.enqueue({ n: 5 });
      await waitFor('the notified job', () => seen.has(5), 30_000);
    });

    it('a cut of a few seconds loses nothing: jobs enqueued before, during and after it all run', async () => {
      await proxy.up();
      const producer = new DatabaseMessageQueue(direct);
      const seen = new Set<number>();
      const consumer = harness.consume(proxied, (m) => void seen.add((m as Msg).n), {
        pollIntervalMs: 500,
        concurrency: 4,
      });
      await producer.enqueue({ n: 0 });
      await waitFor('the first job', () => seen.has(0));
      await proxy.down();
      for (let n = 1; n <= 10; n++) await producer.enqueue({ n });
      await sleep(2_000);
      await proxy.up();
      for (let n = 11; n <= 20; n++) await producer.enqueue({ n });
      await waitFor('all 21 jobs', () => seen.size === 21, 45_000);
      await consumer.stop();
      // No connection broken mid-transaction stays checked out of the pool.
      const pool = proxied.pool;
      assert.ok(pool);
      assert.equal(pool.totalCount, pool.idleCount);
    });
  },
);
