import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { DatabaseMessageQueue } from '../federation/queue/index.ts';
import { selectRows } from '../models/db-driver.ts';
import { enqueueJobs, enqueueKeyedJobs } from '../models/queue.ops.ts';
import { forEachDatabase } from './support/databases.ts';
import { duration } from './support/kv-conformance.ts';
import { gate, jobRows, QueueHarness, sleep, waitFor } from './support/queue-harness.ts';

type Msg = { n: number; key?: string; fail?: boolean };

forEachDatabase('MessageQueue conformance: DatabaseMessageQueue', (get) => {
  const harness = new QueueHarness();
  afterEach(async () => harness.reset(get()));

  it('runs each job once, in enqueue order, with one slot, and hands messages back as they were', async () => {
    const producer = new DatabaseMessageQueue(get());
    for (let n = 0; n < 15; n++)
      await producer.enqueue({ n, text: 'délibération ✓', nested: { list: [n, null] } });
    const seen: unknown[] = [];
    harness.consume(get(), (m) => void seen.push(m), { concurrency: 1 });
    await waitFor('15 jobs', () => seen.length >= 15);
    await sleep(300);
    assert.deepEqual(
      seen,
      Array.from({ length: 15 }, (_, n) => ({ n, text: 'délibération ✓', nested: { list: [n, null] } })),
    );
    assert.deepEqual(await jobRows(get()), []);
  });

  it('enqueueMany stores every message at once, run in array order', async () => {
    await new DatabaseMessageQueue(get()).enqueueMany(Array.from({ length: 10 }, (_, n) => ({ n })));
    const seen: number[] = [];
    harness.consume(get(), (m) => void seen.push((m as Msg).n), { concurrency: 1 });
    await waitFor('10 jobs', () => seen.length >= 10);
    assert.deepEqual(seen, [...Array(10).keys()]);
  });

  it('a delayed job waits for its delay while later jobs run, then runs at its due time without a poll', async () => {
    const producer = new DatabaseMessageQueue(get());
    await producer.enqueue({ n: 1 }, { delay: duration({ milliseconds: 700 }) });
    await producer.enqueue({ n: 2 });
    const seen: number[] = [];
    // A poll interval far beyond the test: only the due-time wake-up can run the delayed job.
    harness.consume(get(), (m) => void seen.push((m as Msg).n), { concurrency: 4, pollIntervalMs: 600_000 });
    await waitFor('the immediate job', () => seen.length >= 1);
    assert.deepEqual(seen, [2]);
    await waitFor('the delayed job', () => seen.length >= 2);
    assert.deepEqual(seen, [2, 1]);
  });

  it('jobs of one ordering key run one at a time in enqueue order; other keys run alongside', async () => {
    const producer = new DatabaseMessageQueue(get());
    for (let n = 0; n < 8; n++) {
      await producer.enqueue({ n, key: 'k1' }, { orderingKey: 'k1' });
      await producer.enqueue({ n, key: 'k2' }, { orderingKey: 'k2' });
      if (n % 2) await producer.enqueue({ n, key: 'none' });
    }
    const order = new Map<string, number[]>();
    const inFlight = new Map<string, number>();
    let maxSameKey = 0;
    const k2Started = gate();
    let overlapped = false;
    harness.consume(
      get(),
      async (m) => {
        const { n, key = 'none' } = m as Msg;
        const now = (inFlight.get(key) ?? 0) + 1;
        inFlight.set(key, now);
        if (key !== 'none') maxSameKey = Math.max(maxSameKey, now);
        if (key === 'k2') k2Started.open();
        // The first k1 job holds its slot until a k2 job has started: keys run in parallel.
        if (key === 'k1' && n === 0) {
          await Promise.race([k2Started.promise, sleep(10_000)]);
          overlapped = (inFlight.get('k2') ?? 0) > 0;
        }
        await sleep(Math.floor(Math.random() * 10));
        order.set(key, [...(order.get(key) ?? []), n]);
        inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
      },
      { concurrency: 8 },
    );
    await waitFor('20 jobs', () => [...order.values()].flat().length >= 20);
    assert.deepEqual(order.get('k1'), [...Array(8).keys()]);
    assert.deepEqual(order.get('k2'), [...Array(8).keys()]);
    assert.equal(maxSameKey, 1);
    assert.ok(overlapped, 'a k2 job ran while the first k1 job was running');
  });

  it('enqueues made at once for many keys (a fan-out) are stored together and keep each key in call order', async () => {
    const producer = new DatabaseMessageQueue(get());
    await producer.enqueue({ n: -1, key: 'k3' }, { orderingKey: 'k3' });
    // Not awaited one by one: all 121 calls are made in the same turn, as Fedify's fan-out does.
    const calls: Promise<void>[] = [];
    for (let n = 0; n < 3; n++) {
      for (let k = 0; k < 40; k++)
        calls.push(producer.enqueue({ n, key: `k${k}` }, { orderingKey: `k${k}` }));
    }
    calls.push(producer.enqueue({ n: 0, key: 'none' }));
    await Promise.all(calls);
    const rows = await selectRows<{ blocked: boolean }>(get().db, sql`SELECT blocked FROM queue_jobs`);
    assert.equal(rows.length, 122);
    // Runnable at once: k3's earlier job, the first job of each other key, and the keyless one.
    assert.equal(rows.filter((r) => !r.blocked).length, 41);
    const order = new Map<string, number[]>();
    const inFlight = new Map<string, number>();
    let maxSameKey = 0;
    harness.consume(
      get(),
      async (m) => {
        const { n, key = 'none' } = m as Msg;
        const now = (inFlight.get(key) ?? 0) + 1;
        inFlight.set(key, now);
        maxSameKey = Math.max(maxSameKey, now);
        await sleep(Math.floor(Math.random() * 3));
        order.set(key, [...(order.get(key) ?? []), n]);
        inFlight.set(key, now - 1);
      },
      { concurrency: 16 },
    );
    await waitFor('122 jobs', () => [...order.values()].flat().length >= 122);
    assert.equal(maxSameKey, 1);
    assert.deepEqual(order.get('k3'), [-1, 0, 1, 2]);
    for (let k = 0; k < 40; k++) if (k !== 3) assert.deepEqual(order.get(`k${k}`), [0, 1, 2]);
  });

  it('a job of a key waits for an earlier delayed job of that key, and for a failed one to run again', async () => {
    const producer = new DatabaseMessageQueue(get());
    await producer.enqueue({ n: 1 }, { orderingKey: 'object', delay: duration({ milliseconds: 400 }) });
    await producer.enqueue({ n: 2, fail: true }, { orderingKey: 'object' });
    await producer.enqueue({ n: 3 }, { orderingKey: 'object' });
    await producer.enqueue({ n: 4 });
    const order: number[] = [];
    harness.consume(
      get(),
      (m) => {
        const msg = m as Msg;
        order.push(msg.n);
        // Fails on its first run only (a transient failure).
        if (msg.fail && order.filter((n) => n === msg.n).length === 1) throw new Error('transient failure');
      },
      { concurrency: 4, retryBaseMs: 50 },
    );
    await waitFor('all four jobs', () => order.includes(3));
    assert.deepEqual(order, [4, 1, 2, 2, 3]);
  });

  it('a job enqueued for a key while its previous job runs waits for it', async () => {
    const producer = new DatabaseMessageQueue(get());
    await producer.enqueue({ n: 1 }, { orderingKey: 'object' });
    const first = gate();
    const finishFirst = gate();
    const order: string[] = [];
    harness.consume(
      get(),
      async (m) => {
        const { n } = m as Msg;
        order.push(`start ${n}`);
        if (n === 1) {
          first.open();
          await finishFirst.promise;
        }
        order.push(`end ${n}`);
      },
      { concurrency: 4, pollIntervalMs: 50 },
    );
    await first.promise;
    await producer.enqueue({ n: 2 }, { orderingKey: 'object' });
    await sleep(300);
    assert.deepEqual(order, ['start 1']);
    finishFirst.open();
    await waitFor('the second job', () => order.length === 4);
    assert.deepEqual(order, ['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('never runs more handlers at once than its concurrency', async () => {
    await new DatabaseMessageQueue(get()).enqueueMany(Array.from({ length: 10 }, (_, n) => ({ n })));
    const release = gate();
    let running = 0;
    let maxRunning = 0;
    let done = 0;
    harness.consume(
      get(),
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await release.promise;
        running--;
        done++;
      },
      { concurrency: 3, pollIntervalMs: 50 },
    );
    await waitFor('3 running handlers', () => running === 3);
    // Several poll cycles pass with every slot busy: none may start a fourth handler.
    await sleep(400);
    assert.equal(maxRunning, 3);
    release.open();
    await waitFor('all 10 jobs', () => done === 10);
    assert.equal(maxRunning, 3);
  });

  it('a handler that throws does not stop the listener; its job runs again after a back-off, and is dropped after too many attempts', async () => {
    const producer = new DatabaseMessageQueue(get());
    await producer.enqueue({ n: 1, fail: true });
    await producer.enqueue({ n: 2, fail: true });
    await producer.enqueue({ n: 3 });
    const attempts: number[] = [];
    const failedAt = new Map<number, number[]>();
    harness.consume(
      get(),
      (m) => {
        const msg = m as Msg;
        attempts.push(msg.n);
        // Job 1 rejects twice then succeeds (the database came back); job 2 always throws.
        if (msg.n === 1 && attempts.filter((n) => n === 1).length <= 2) {
          failedAt.set(1, [...(failedAt.get(1) ?? []), Date.now()]);
          return Promise.reject(new Error('database out of reach'));
        }
        if (msg.fail && msg.n === 2) throw new Error('bug in a handler');
      },
      { concurrency: 1, retryBaseMs: 100, maxClaims: 3 },
    );
    await waitFor('job 3 despite the failures', () => attempts.includes(3));
    await waitFor('job 1 to succeed on its third run', () => attempts.filter((n) => n === 1).length === 3);
    // Job 2 runs at most maxClaims times, then is dropped: the queue ends empty.
    await waitFor('the failing job to be dropped', async () => (await jobRows(get())).length === 0, 20_000);
    assert.equal(attempts.filter((n) => n === 2).length, 3);
    assert.equal(attempts.filter((n) => n === 3).length, 1);
    // The second retry waited longer than the first (100 ms, then 200 ms).
    const [first, second] = failedAt.get(1) ?? [];
    assert.ok(first !== undefined && second !== undefined && second - first >= 100);
  });

  it('bad input is refused with a clear error and enqueues nothing', async () => {
    const queue = new DatabaseMessageQueue(get());
    await assert.rejects(queue.enqueue({ n: 1 }, { delay: duration({ seconds: -1 }) }), RangeError);
    await assert.rejects(queue.enqueue(undefined), TypeError);
    await assert.rejects(queue.enqueueMany([{ n: 1 }, undefined, { n: 3 }]), TypeError);
    assert.throws(() => new DatabaseMessageQueue(get(), { concurrency: 0 }), RangeError);
    assert.throws(() => new DatabaseMessageQueue(get(), { concurrency: 1.5 }), RangeError);
    assert.deepEqual(await jobRows(get()), []);
  });

  it('getDepth counts waiting jobs, due and delayed, but not those being handled', async () => {
    const queue = new DatabaseMessageQueue(get());
    await queue.enqueueMany([{ n: 1 }, { n: 2 }]);
    await queue.enqueue({ n: 3 }, { delay: duration({ hours: 1 }) });
    assert.deepEqual(await queue.getDepth(), { queued: 3, ready: 2, delayed: 1 });
    const hold = gate();
    let started = 0;
    harness.consume(
      get(),
      async () => {
        started++;
        await hold.promise;
      },
      { concurrency: 1 },
    );
    await waitFor('one job running', () => started === 1);
    assert.deepEqual(await queue.getDepth(), { queued: 2, ready: 1, delayed: 1 });
    hold.open();
  });
});

forEachDatabase('queue SQL: a notice sent with the jobs', (get) => {
  afterEach(async () => {
    await get().db.execute(sql`DELETE FROM queue_jobs`);
  });

  /** Listens on a fresh channel; each notification records how many jobs were visible then. */
  async function listenCounting(channel: string) {
    const heard: { payload: string; jobs: number }[] = [];
    const pending: Promise<void>[] = [];
    const stop = await get().listen(channel, (payload) => {
      pending.push(
        jobRows(get()).then((rows) => {
          heard.push({ payload, jobs: rows.length });
        }),
      );
    });
    return { heard, settled: () => Promise.all(pending), stop };
  }

  it('a notice sent with jobs without a key is heard once, after the jobs are stored', async () => {
    const listener = await listenCounting('notice_plain');
    try {
      await enqueueKeyedJobs(
        get().db,
        [
          { message: { n: 1 }, delayMs: 0, orderingKey: null },
          { message: { n: 2 }, delayMs: 0, orderingKey: null },
        ],
        { channel: 'notice_plain', payload: 'ready' },
      );
      await waitFor('the notification', () => listener.heard.length >= 1);
      await listener.settled();
      assert.deepEqual(listener.heard, [{ payload: 'ready', jobs: 2 }]);
    } finally {
      await listener.stop();
    }
  });

  it('keyed jobs send their notification from their transaction, once, when it commits', async () => {
    const listener = await listenCounting('notice_keyed');
    try {
      await enqueueJobs(get().db, [{ message: { n: 1 }, delayMs: 5_000 }], 'some-key', {
        channel: 'notice_keyed',
        payload: 'delayed',
      });
      await waitFor('the notification', () => listener.heard.length >= 1);
      await sleep(100);
      await listener.settled();
      assert.deepEqual(listener.heard, [{ payload: 'delayed', jobs: 1 }]);
    } finally {
      await listener.stop();
    }
  });

  it('without a notice, nothing is notified', async () => {
    const listener = await listenCounting('notice_none');
    try {
      await enqueueJobs(get().db, [{ message: { n: 1 }, delayMs: 0 }], null);
      await enqueueJobs(get().db, [{ message: { n: 2 }, delayMs: 0 }], 'k');
      await sleep(200);
      assert.deepEqual(listener.heard, []);
      assert.equal((await jobRows(get())).length, 2);
    } finally {
      await listener.stop();
    }
  });
});
