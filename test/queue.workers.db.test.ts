import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { DatabaseMessageQueue } from '../federation/queue/index.ts';
import { type Database, type OpenOptions, openDatabase } from '../models/db.ts';
import { enqueueJobs } from '../models/queue.ops.ts';
import { createPostgresDatabase, databaseKinds, forEachDatabase } from './support/databases.ts';
import { tempDir } from './support/instance.ts';
import { duration } from './support/kv-conformance.ts';
import { gate, jobRows, QueueHarness, sleep, waitFor } from './support/queue-harness.ts';

type Msg = { n: number };
const never = new Promise<void>(() => {});

forEachDatabase('MessageQueue workers: DatabaseMessageQueue', (get, kind) => {
  const harness = new QueueHarness();
  // The second consumer's database: on PostgreSQL its own pool, as a second process would have.
  let other: Database;
  let otherHandle: Database | undefined;
  before(async () => {
    otherHandle =
      kind === 'postgres'
        ? await openDatabase({
            kind: 'postgres',
            url: String(get().pool?.options.connectionString),
            poolMax: 5,
          })
        : undefined;
    other = otherHandle ?? get();
  });
  after(async () => otherHandle?.close());
  afterEach(async () => harness.reset(get()));

  it('two consumers on separate pools share the work and never run a job twice', async () => {
    const producer = new DatabaseMessageQueue(get());
    const total = 300;
    await producer.enqueueMany(Array.from({ length: total / 3 }, (_, n) => ({ n })));
    for (let n = total / 3; n < total; n++) await producer.enqueue({ n }, { orderingKey: `key-${n % 7}` });
    const runs = new Map<number, number>();
    const handler = async (m: unknown) => {
      const { n } = m as Msg;
      runs.set(n, (runs.get(n) ?? 0) + 1);
      await sleep(Math.floor(Math.random() * 3));
    };
    harness.consume(get(), handler, { concurrency: 4, workerId: 'worker-a' });
    harness.consume(other, handler, { concurrency: 4, workerId: 'worker-b' });
    await waitFor(`${total} jobs`, () => runs.size >= total, 60_000);
    await sleep(300);
    assert.equal(runs.size, total);
    assert.deepEqual(
      [...runs.entries()].filter(([, count]) => count !== 1),
      [],
    );
    assert.deepEqual(await jobRows(get()), []);
  });

  it('jobs of one ordering key stay one at a time and in order across two consumers', async () => {
    const producer = new DatabaseMessageQueue(get());
    for (let n = 0; n < 20; n++) await producer.enqueue({ n }, { orderingKey: 'object-1' });
    const order: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const handler = async (m: unknown) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await sleep(Math.floor(Math.random() * 5));
      order.push((m as Msg).n);
      inFlight--;
    };
    harness.consume(get(), handler, { concurrency: 4, workerId: 'worker-a', pollIntervalMs: 50 });
    harness.consume(other, handler, { concurrency: 4, workerId: 'worker-b', pollIntervalMs: 50 });
    await waitFor('20 jobs', () => order.length >= 20);
    assert.deepEqual(order, [...Array(20).keys()]);
    assert.equal(maxInFlight, 1);
  });

  it('a job whose worker vanished is taken over by another worker once its lease expires', async () => {
    await new DatabaseMessageQueue(get()).enqueue({ n: 1 });
    const takenBy: string[] = [];
    // Worker A hangs in its only slot and never extends its lease (as if SIGKILLed).
    harness.consume(
      get(),
      () => {
        takenBy.push('a');
        return never;
      },
      { workerId: 'vanished', concurrency: 1, leaseMs: 400, heartbeatMs: 3_600_000 },
    );
    await waitFor('worker A to claim the job', () => takenBy.length === 1);
    harness.consume(other, () => void takenBy.push('b'), { workerId: 'survivor', pollIntervalMs: 100 });
    await waitFor('worker B to take the job over', () => takenBy.includes('b'));
    assert.deepEqual(takenBy, ['a', 'b']);
    await waitFor('the job to be deleted', async () => (await jobRows(get())).length === 0);
  });

  it('a job that keeps losing its workers is dropped after too many claims', async () => {
    await new DatabaseMessageQueue(get()).enqueue({ n: 1 });
    let runs = 0;
    // Every claim hangs without a heartbeat, as if the job crashed its worker each time.
    for (const workerId of ['w1', 'w2', 'w3']) {
      harness.consume(
        get(),
        () => {
          runs++;
          return never;
        },
        { workerId, concurrency: 1, leaseMs: 150, heartbeatMs: 3_600_000, pollIntervalMs: 50, maxClaims: 2 },
      );
    }
    await waitFor('the job to be dropped', async () => (await jobRows(get())).length === 0);
    assert.equal(runs, 2);
  });

  it('a long handler keeps its job: the heartbeat extends the lease', async () => {
    await new DatabaseMessageQueue(get()).enqueue({ n: 1 });
    const takenBy: string[] = [];
    const finish = gate();
    harness.consume(
      get(),
      async () => {
        takenBy.push('a');
        await finish.promise;
      },
      { workerId: 'slow', leaseMs: 300, heartbeatMs: 50 },
    );
    await waitFor('worker A to claim the job', () => takenBy.length === 1);
    harness.consume(other, () => void takenBy.push('b'), { workerId: 'eager', pollIntervalMs: 50 });
    // Several lease lengths pass while A still works.
    await sleep(1_200);
    finish.open();
    await waitFor('the job to be deleted', async () => (await jobRows(get())).length === 0);
    await sleep(200);
    assert.deepEqual(takenBy, ['a']);
  });

  it('a notification wakes an idle worker long before its next poll', async () => {
    const producer = new DatabaseMessageQueue(get());
    const seen: number[] = [];
    await producer.enqueue({ n: 0 });
    harness.consume(get(), (m) => void seen.push((m as Msg).n), { pollIntervalMs: 600_000 });
    // Once the first job ran, the worker is subscribed and idle for ten minutes.
    await waitFor('the first job', () => seen.length === 1);
    await sleep(100);
    await producer.enqueue({ n: 1 });
    await waitFor('the notified job', () => seen.length === 2);
    assert.deepEqual(seen, [0, 1]);
  });

  it('polling finds a job stored without any notification', async () => {
    const seen: number[] = [];
    await new DatabaseMessageQueue(get()).enqueue({ n: 0 });
    harness.consume(get(), (m) => void seen.push((m as Msg).n), { pollIntervalMs: 100 });
    await waitFor('the first job', () => seen.length === 1);
    await enqueueJobs(get().db, [{ message: { n: 1 }, delayMs: 0 }], null);
    await waitFor('the silently stored job', () => seen.length === 2);
  });

  // PGlite runs inside this process and has no connections to cut: this case exists on PostgreSQL only.
  if (kind === 'postgres')
    it('after every connection to the database is cut, workers reconnect and nothing is lost', async () => {
      const producer = new DatabaseMessageQueue(get());
      const seen = new Set<number>();
      await producer.enqueue({ n: 0 });
      harness.consume(other, (m) => void seen.add((m as Msg).n), { pollIntervalMs: 200, concurrency: 4 });
      await waitFor('the first job', () => seen.has(0));
      // Kill every backend of this database: the pools' connections and the LISTEN connection.
      const admin = new pg.Client({ connectionString: get().pool?.options.connectionString });
      await admin.connect();
      try {
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
      } finally {
        await admin.end();
      }
      // Idle pooled connections learn of the cut asynchronously; until they have, the pool may
      // hand out a dead one (each such failure evicts it), so a caller retries.
      await sleep(200);
      for (let n = 1; n <= 20; n++) {
        for (let attempt = 1; ; attempt++) {
          try {
            await producer.enqueue({ n });
            break;
          } catch (error) {
            if (attempt >= 10) throw error;
          }
        }
      }
      await waitFor('all 21 jobs after the cut', () => seen.size === 21, 30_000);
    });

  it('stopping a worker waits for running jobs, then gives back those that outlive the grace period', async () => {
    const producer = new DatabaseMessageQueue(get());
    await producer.enqueue({ n: 1 });
    await producer.enqueue({ n: 2 });
    const finished: number[] = [];
    const started: number[] = [];
    const a = harness.consume(
      get(),
      async (m) => {
        const { n } = m as Msg;
        started.push(n);
        if (n === 2) return never;
        await sleep(150);
        finished.push(n);
      },
      { workerId: 'stopping', concurrency: 2, shutdownGraceMs: 600, leaseMs: 3_600_000 },
    );
    await waitFor('both jobs started', () => started.length === 2);
    await a.stop();
    // Job 1 finished within the grace period and is gone; job 2 is back in the queue, unleased.
    assert.deepEqual(finished, [1]);
    const rows = await jobRows(get());
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.locked_until, null);
    assert.equal(rows[0]?.locked_by, null);
    const takenOver: number[] = [];
    harness.consume(other, (m) => void takenOver.push((m as Msg).n), { workerId: 'next' });
    await waitFor('another worker to take job 2 at once', () => takenOver.includes(2));
  });

  it('a worker started with an aborted signal returns at once and claims nothing', async () => {
    await new DatabaseMessageQueue(get()).enqueue({ n: 1 });
    const controller = new AbortController();
    controller.abort();
    let ran = false;
    await new DatabaseMessageQueue(get()).listen(
      () => {
        ran = true;
      },
      { signal: controller.signal },
    );
    assert.equal(ran, false);
    assert.equal((await jobRows(get()))[0]?.attempts, 0);
  });
});

for (const kind of databaseKinds()) {
  describe(`MessageQueue durability [${kind}]`, () => {
    const dirs: string[] = [];
    after(() => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it('jobs enqueued before the database is closed run after it is reopened', async function () {
      this.timeout(120_000);
      let options: OpenOptions;
      if (kind === 'pglite') {
        const dir = tempDir('parvis-queue-');
        dirs.push(dir);
        options = { kind: 'pglite', dataDir: dir };
      } else {
        options = { kind: 'postgres', url: await createPostgresDatabase(), poolMax: 3 };
      }
      const first = await openDatabase(options);
      try {
        await first.migrate();
        const producer = new DatabaseMessageQueue(first);
        await producer.enqueue({ n: 1 });
        await producer.enqueue({ n: 2 }, { orderingKey: 'object' });
        await producer.enqueue({ n: 3 }, { delay: duration({ milliseconds: 300 }) });
      } finally {
        await first.close();
      }
      const reopened = await openDatabase(options);
      const harness = new QueueHarness();
      try {
        const seen: number[] = [];
        harness.consume(reopened, (m) => void seen.push((m as Msg).n));
        await waitFor('the three stored jobs', () => seen.length === 3);
        assert.deepEqual(
          seen.sort((x, y) => x - y),
          [1, 2, 3],
        );
      } finally {
        await harness.reset(reopened);
        await reopened.close();
      }
    });
  });
}
