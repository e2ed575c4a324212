// A queue worker in its own process, for the SIGKILL test: it records each job it finishes in
// OUT_FILE and hangs forever in job HANG_N (the parent kills it mid-job).
import { appendFileSync } from 'node:fs';
import { DatabaseMessageQueue } from '../../federation/queue/index.ts';
import { openDatabase } from '../../models/db.ts';

const url = process.env.QUEUE_TEST_URL;
const out = process.env.OUT_FILE;
if (!url || !out) throw new Error('QUEUE_TEST_URL and OUT_FILE are required');
const hang = Number(process.env.HANG_N);
const database = await openDatabase({ kind: 'postgres', url, poolMax: 4 });
const queue = new DatabaseMessageQueue(database, {
  concurrency: 4,
  leaseMs: Number(process.env.LEASE_MS ?? 1000),
  workerId: 'child',
});
await queue.listen(async (message) => {
  const { n } = message as { n: number };
  if (n === hang) {
    appendFileSync(out, `hanging ${n}\n`);
    return new Promise<void>(() => {});
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
  appendFileSync(out, `done ${n}\n`);
});
