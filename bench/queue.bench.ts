// Throughput of the database message queue (federation/queue/) on PGlite and, with
// BENCH_DATABASE_URL (a PostgreSQL server URL; a scratch database is created and dropped), on
// PostgreSQL. Run: npx node bench/queue.bench.ts. Prints one Markdown table row per scenario.
import { execSync } from 'node:child_process';
import { cpus } from 'node:os';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { DatabaseMessageQueue } from '../federation/queue/index.ts';
import { type Database, openDatabase } from '../models/db.ts';
import { selectRows } from '../models/db-driver.ts';

type Scenario = { name: string; jobs: number; keys: number };
const scenarios: Scenario[] = [
  { name: 'no ordering key', jobs: 5000, keys: 0 },
  { name: 'fan-out: one key per job', jobs: 2000, keys: 2000 },
  { name: '100 keys × 20 jobs', jobs: 2000, keys: 100 },
];
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function run(database: Database, scenario: Scenario): Promise<number> {
  await database.db.execute(sql`DELETE FROM queue_jobs`);
  const queue = new DatabaseMessageQueue(database, { concurrency });
  if (scenario.keys === 0) {
    for (let i = 0; i < scenario.jobs; i += 500) {
      await queue.enqueueMany(
        Array.from({ length: Math.min(500, scenario.jobs - i) }, (_, n) => ({ n: i + n })),
      );
    }
  } else {
    // Fedify enqueues keyed deliveries one by one.
    for (let n = 0; n < scenario.jobs; n++)
      await queue.enqueue({ n }, { orderingKey: `k${n % scenario.keys}` });
  }
  let done = 0;
  const controller = new AbortController();
  const started = performance.now();
  const listening = queue.listen(
    () => {
      done++;
    },
    { signal: controller.signal },
  );
  while (done < scenario.jobs) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1000;
  controller.abort();
  await listening;
  return scenario.jobs / seconds;
}

/** The baseline, measured in the same run: sequential `SELECT 1` round trips per second. */
async function roundTrips(database: Database): Promise<number> {
  const n = 500;
  const started = performance.now();
  for (let i = 0; i < n; i++) await database.db.execute(sql`SELECT 1`);
  return n / ((performance.now() - started) / 1000);
}

const commit = execSync('git rev-parse --short HEAD').toString().trim();
const machine = `${cpus().length}× ${cpus()[0]?.model.trim() ?? 'cpu'}`;

async function bench(kind: string, database: Database): Promise<void> {
  const baseline = await roundTrips(database);
  for (const scenario of scenarios) {
    const rate = await run(database, scenario);
    console.log(
      `| ${commit} | ${machine} | ${kind} | ${scenario.name} | ${concurrency} | ${Math.round(rate)} jobs/s | ${Math.round(baseline)} |`,
    );
  }
}

console.log('| commit | machine | database | scenario | concurrency | throughput | SELECT 1/s |');
console.log('|---|---|---|---|---|---|---|');
const pglite = await openDatabase({ kind: 'pglite-memory' });
try {
  await pglite.migrate();
  await bench('PGlite', pglite);
} finally {
  await pglite.close();
}
const serverUrl = process.env.BENCH_DATABASE_URL;
if (serverUrl) {
  const name = `parvis_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const server = await openDatabase({ kind: 'postgres', url: url.href, poolMax: 20 });
    try {
      await server.migrate();
      const [row] = await selectRows<{ v: string }>(
        server.db,
        sql`SELECT current_setting('server_version') AS v`,
      );
      await bench(`PostgreSQL ${row?.v.split(' ')[0] ?? '?'}`, server);
    } finally {
      await server.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
