import { type SQL, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { isEmbedded, selectRows } from './db-driver.ts';
import { uuidv7 } from './ids.ts';

/**
 * The message queue's SQL (see docs/adr/0005-database-queue.md). Workers claim jobs with a
 * lease in one short statement and never hold a transaction open while a job runs.
 *
 * Ordering keys: of one key's jobs only the earliest is unblocked; finishing it unblocks the
 * next. Enqueueing a keyed job and finishing one both hold the key's transaction-scoped
 * advisory lock, so the two never miss each other and a key never has two runnable jobs.
 * Claims then need no lock at all: FOR UPDATE SKIP LOCKED on unblocked rows is enough.
 */

export type NewJob = { message: unknown; delayMs: number };
export type ClaimedJob = {
  id: string;
  seq: number;
  message: unknown;
  orderingKey: string | null;
  attempts: number;
};

// The first half of the two-integer advisory lock key; the second is the ordering key's hash.
const KEY_LOCK_SPACE = 727_276;

const lockKeys = (keys: readonly string[]): SQL =>
  // Sorted, so transactions locking several keys never deadlock each other.
  sql`SELECT pg_advisory_xact_lock(${KEY_LOCK_SPACE}::int, h) FROM (
        SELECT DISTINCT hashtext(k) AS h FROM (VALUES ${sql.join(
          keys.map((k) => sql`(${k}::text)`),
          sql`, `,
        )}) AS v(k) ORDER BY h) AS sorted`;

const idList = (ids: readonly string[]): SQL =>
  sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );

/**
 * Bookkeeping (claims, completions) commits without waiting for the WAL flush: a crash of the
 * database server may forget the last few of them, which only makes a job run again
 * (at-least-once, as after a lost lease), never loses one. Enqueues stay fully durable.
 * Not on PGlite: it runs inside our process with no WAL writer flushing behind it, so a
 * crashed process would forget every completion since the last synchronous commit and rerun
 * all those jobs (a whole fan-out delivered twice).
 *
 * The setting is made by the statement itself (`set_config(…, true)` lasts until the end of
 * its transaction, implicit or not), so a claim or a deletion is one round trip instead of
 * four (BEGIN, SET LOCAL, the statement, COMMIT): this condition goes in its WHERE clause.
 */
function asyncCommit(db: Db): SQL {
  return isEmbedded(db) ? sql`` : sql` AND set_config('synchronous_commit', 'off', true) IS NOT NULL`;
}

const afterMs = (ms: number): SQL => sql`now() + ${ms}::double precision * interval '1 millisecond'`;

/**
 * A notification sent with the jobs: `pg_notify(channel, payload)` rides on the insert itself,
 * so storing and waking the workers is one round trip, and the workers hear of the jobs when
 * they are committed, never before.
 */
export type EnqueueNotice = { channel: string; payload: string };

/**
 * Stores jobs in one multi-row insert; their `seq` follows the array order. With an ordering
 * key, every job but the key's earliest waiting one is stored blocked.
 */
export async function enqueueJobs(
  db: Db,
  jobs: readonly NewJob[],
  orderingKey: string | null,
  notice?: EnqueueNotice,
): Promise<void> {
  await enqueueKeyedJobs(
    db,
    jobs.map((job) => ({ ...job, orderingKey })),
    notice,
  );
}

export type KeyedJob = NewJob & { orderingKey: string | null };

/**
 * Stores jobs of any ordering keys at once (a fan-out: one key per recipient server), in one
 * transaction of three statements whatever their number: lock every key, find the keys that
 * already have a waiting job, insert. Their `seq` follows the array order; of each key, only
 * the earliest job is unblocked, and only when the key had no job waiting yet. Without any
 * ordering key it is the insert alone, one statement (with the notice, if any).
 */
export async function enqueueKeyedJobs(
  db: Db,
  jobs: readonly KeyedJob[],
  notice?: EnqueueNotice,
): Promise<void> {
  if (jobs.length === 0) return;
  const keys = [...new Set(jobs.flatMap((j) => (j.orderingKey === null ? [] : [j.orderingKey])))];
  const insert = (waiting: ReadonlySet<string>) => {
    const seen = new Set<string>();
    const rows = sql.join(
      jobs.map((job) => {
        const key = job.orderingKey;
        const blocked = key !== null && (seen.has(key) || waiting.has(key));
        if (key !== null) seen.add(key);
        return sql`(${uuidv7()}::uuid, ${JSON.stringify(job.message)}::jsonb, ${key}, ${afterMs(job.delayMs)}, ${blocked})`;
      }),
      sql`, `,
    );
    const statement = sql`INSERT INTO queue_jobs (id, message, ordering_key, run_at, blocked) VALUES ${rows}`;
    // A data-modifying CTE runs in full whether or not the outer query reads it.
    return notice
      ? sql`WITH stored AS (${statement} RETURNING 1) SELECT pg_notify(${notice.channel}, ${notice.payload})`
      : statement;
  };
  if (keys.length === 0) {
    await db.execute(insert(new Set()));
    return;
  }
  await db.transaction(async (tx) => {
    await tx.execute(lockKeys(keys));
    const rows = await selectRows<{ ordering_key: string }>(
      tx,
      sql`SELECT DISTINCT ordering_key FROM queue_jobs WHERE ordering_key IN (${sql.join(
        keys.map((k) => sql`${k}`),
        sql`, `,
      )})`,
    );
    await tx.execute(insert(new Set(rows.map((r) => r.ordering_key))));
  });
}

/** Claims up to `limit` due, unleased, unblocked jobs for `workerId`, leased for `leaseMs`. */
export async function claimJobs(
  db: Db,
  options: { workerId: string; limit: number; leaseMs: number },
): Promise<ClaimedJob[]> {
  const { workerId, limit, leaseMs } = options;
  if (limit <= 0) return [];
  const rows = await selectRows<{
    id: string;
    seq: string | number;
    due: string | number;
    message: unknown;
    ordering_key: string | null;
    attempts: number;
  }>(
    db,
    sql`
      WITH due AS (
        SELECT id FROM queue_jobs
        WHERE locked_until IS NULL AND NOT blocked AND run_at <= now()
        ORDER BY run_at, seq
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      UPDATE queue_jobs q
      SET locked_until = ${afterMs(leaseMs)}, locked_by = ${workerId}, attempts = q.attempts + 1
      FROM due WHERE q.id = due.id${asyncCommit(db)}
      RETURNING q.id, q.seq, extract(epoch FROM q.run_at) AS due, q.message, q.ordering_key, q.attempts`,
  );
  // RETURNING has no order: start the batch in due order, as it was chosen.
  return rows
    .map((r) => ({ row: r, due: Number(r.due), seq: Number(r.seq) }))
    .sort((a, b) => a.due - b.due || a.seq - b.seq)
    .map(({ row, seq }) => ({
      id: row.id,
      seq,
      message: row.message,
      orderingKey: row.ordering_key,
      attempts: row.attempts,
    }));
}

/** Extends the leases this worker still holds; returns the ids it still holds. */
export async function extendLeases(
  db: Db,
  options: { workerId: string; ids: readonly string[]; leaseMs: number },
): Promise<string[]> {
  if (options.ids.length === 0) return [];
  const rows = await selectRows<{ id: string }>(
    db,
    sql`UPDATE queue_jobs SET locked_until = ${afterMs(options.leaseMs)}
        WHERE id IN (${idList(options.ids)}) AND locked_by = ${options.workerId}
        RETURNING id`,
  );
  return rows.map((r) => r.id);
}

/**
 * Clears leases that ran out (their worker died or lost the database for longer than a
 * lease), so the jobs are claimed again; returns how many.
 */
export async function reclaimExpiredLeases(db: Db): Promise<number> {
  const rows = await selectRows<{ id: string }>(
    db,
    sql`UPDATE queue_jobs SET locked_until = NULL, locked_by = NULL WHERE locked_until < now() RETURNING id`,
  );
  return rows.length;
}

/**
 * Deletes handled jobs, by id alone: if a lease ran out and another worker took a job
 * meanwhile, the job is done anyway and the other run finds no row to delete. For each
 * ordering key involved, unblocks the key's next job and notifies `channel` so any worker
 * takes it at once.
 */
export async function completeJobs(
  db: Db,
  jobs: readonly { id: string; orderingKey: string | null }[],
  channel: string,
): Promise<void> {
  if (jobs.length === 0) return;
  const ids = jobs.map((j) => j.id);
  const keys = [...new Set(jobs.flatMap((j) => (j.orderingKey === null ? [] : [j.orderingKey])))];
  if (keys.length === 0) {
    await db.execute(sql`DELETE FROM queue_jobs WHERE id IN (${idList(ids)})${asyncCommit(db)}`);
    return;
  }
  await db.transaction(async (tx) => {
    // The setting rides on the lock statement: BEGIN, lock, delete and unblock, COMMIT.
    await tx.execute(sql`${lockKeys(keys)} WHERE TRUE${asyncCommit(db)}`);
    // The statement's snapshot still shows the deleted rows: `heads` excludes them by id.
    await tx.execute(sql`
      WITH done AS (
        DELETE FROM queue_jobs WHERE id IN (${idList(ids)}) RETURNING ordering_key
      ), heads AS (
        SELECT DISTINCT ON (q.ordering_key) q.id, q.blocked FROM queue_jobs q
        WHERE q.ordering_key IN (SELECT ordering_key FROM done WHERE ordering_key IS NOT NULL)
          AND q.id NOT IN (${idList(ids)})
        ORDER BY q.ordering_key, q.seq
      ), unblocked AS (
        UPDATE queue_jobs SET blocked = FALSE FROM heads
        WHERE queue_jobs.id = heads.id AND heads.blocked RETURNING queue_jobs.id
      )
      SELECT pg_notify(${channel}, 'next') FROM (SELECT 1 FROM unblocked LIMIT 1) AS any_unblocked`);
  });
}

/** Gives jobs back (lease cleared): any worker claims them at once (shutdown), or after `delayMs` (a failed run). */
export async function releaseJobs(
  db: Db,
  options: { workerId: string; ids: readonly string[]; delayMs?: number },
): Promise<void> {
  if (options.ids.length === 0) return;
  const delayMs = options.delayMs ?? 0;
  await db.execute(
    sql`UPDATE queue_jobs SET locked_until = NULL, locked_by = NULL,
          run_at = ${delayMs > 0 ? afterMs(delayMs) : sql`run_at`}
        WHERE id IN (${idList(options.ids)}) AND locked_by = ${options.workerId}`,
  );
}

/**
 * When the next delayed job becomes due, in milliseconds from now (null: none), so an idle
 * worker can sleep exactly until then instead of only polling.
 */
export async function msUntilNextDue(db: Db): Promise<number | null> {
  // Jobs already due count too (as 0 ms): a delayed job that fell due between a claim and this
  // query must not wait for the next poll.
  const rows = await selectRows<{ ms: number | string | null }>(
    db,
    sql`SELECT extract(epoch FROM (min(run_at) - now())) * 1000 AS ms
        FROM queue_jobs WHERE locked_until IS NULL AND NOT blocked`,
  );
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? null : Math.max(0, Number(ms));
}

export type QueueDepth = { queued: number; ready: number; delayed: number };

/**
 * Jobs waiting (not being handled): `ready` can run now, `delayed` wait for their time; the
 * rest wait behind an earlier job of their ordering key.
 */
export async function queueDepth(db: Db): Promise<QueueDepth> {
  const rows = await selectRows<QueueDepth>(
    db,
    sql`SELECT count(*)::int AS queued,
               count(*) FILTER (WHERE run_at <= now() AND NOT blocked)::int AS ready,
               count(*) FILTER (WHERE run_at > now())::int AS delayed
        FROM queue_jobs WHERE locked_until IS NULL OR locked_until < now()`,
  );
  return rows[0] ?? { queued: 0, ready: 0, delayed: 0 };
}

/**
 * Makes every waiting delivery to one server due now (Fedify's outbox messages whose inbox is
 * on `host`, held by its circuit breaker or waiting for a retry), and wakes the workers on
 * `channel`; returns how many. Jobs being handled are left alone. Used by the admin's
 * "retry now": the circuit breaker still lets a single probe through first.
 */
export async function releaseDelayedDeliveries(db: Db, host: string, channel: string): Promise<number> {
  const h = host.toLowerCase();
  const rows = await selectRows<{ n: number }>(
    db,
    sql`WITH released AS (
          UPDATE queue_jobs SET run_at = now()
          WHERE locked_until IS NULL AND run_at > now() AND message->>'type' = 'outbox'
            AND (starts_with(message->>'inbox', ${`https://${h}/`})
                 OR starts_with(message->>'inbox', ${`http://${h}/`}))
          RETURNING id
        ), notified AS (
          SELECT pg_notify(${channel}, 'ready') FROM (SELECT 1 FROM released LIMIT 1) AS any_released
        )
        SELECT (SELECT count(*)::int FROM released) AS n, (SELECT count(*)::int FROM notified) AS notified`,
  );
  return rows[0]?.n ?? 0;
}
