import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DatabaseMessageQueue } from '../federation/queue/index.ts';
import { type Database, openDatabase } from '../models/db.ts';
import { createPostgresDatabase } from './support/databases.ts';
import { tempDir } from './support/instance.ts';
import { jobRows, QueueHarness, waitFor } from './support/queue-harness.ts';

// Two processes on one queue need a PostgreSQL server (a PGlite folder has one process).
(process.env.TEST_DATABASE_URL ? describe : describe.skip)('MessageQueue across processes [postgres]', () => {
  let database: Database;
  let url: string;
  let child: ChildProcess | undefined;
  const dir = tempDir('parvis-queue-kill-');
  const harness = new QueueHarness();
  before(async () => {
    url = await createPostgresDatabase();
    database = await openDatabase({ kind: 'postgres', url, poolMax: 4 });
  });
  after(async () => {
    child?.kill('SIGKILL');
    await harness.reset(database);
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a worker killed with SIGKILL mid-job loses nothing: another process takes its jobs over', async function () {
    this.timeout(120_000);
    const out = path.join(dir, 'child.log');
    const producer = new DatabaseMessageQueue(database);
    const total = 60;
    for (let n = 0; n < total; n++)
      await producer.enqueue({ n }, n % 3 ? {} : { orderingKey: `object-${n % 4}` });
    child = spawn(process.execPath, [path.join(import.meta.dirname, 'support', 'queue-worker-child.ts')], {
      env: { ...process.env, QUEUE_TEST_URL: url, OUT_FILE: out, HANG_N: '30', LEASE_MS: '1500' },
      stdio: 'inherit',
    });
    const childLines = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : []);
    await waitFor('the child to hang in job 30', () => childLines().includes('hanging 30'), 60_000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
    const doneByChild = new Set(
      childLines().flatMap((l) => (l.startsWith('done ') ? [Number(l.slice(5))] : [])),
    );

    const doneHere: number[] = [];
    harness.consume(database, (m) => void doneHere.push((m as { n: number }).n), { pollIntervalMs: 200 });
    await waitFor(
      'every job to be done',
      () => new Set([...doneByChild, ...doneHere]).size === total,
      60_000,
    );
    assert.ok(doneHere.includes(30), 'the job the killed worker was running ran again here');
    // At-least-once: only jobs the child had in flight when killed (at most its 4 slots) may run twice.
    const twice = doneHere.filter((n) => doneByChild.has(n));
    assert.ok(twice.length <= 4, `ran twice: ${twice.join(', ')}`);
    await waitFor('the queue to be empty', async () => (await jobRows(database)).length === 0);
  });
});
