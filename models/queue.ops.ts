import { sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { selectRows } from './db-driver.ts';
import { uuidv7 } from './ids.ts';

/**
 * The message queue's SQL (see docs/adr/0002-database-queue.md). Workers claim jobs with a
 * lease in one short statement and never hold a transaction open while a job runs.
 */

export type NewJob = { message: unknown; orderingKey: string | null; delayMs: number };
export type ClaimedJob = {
  id: string;
  seq: number;
  message: unknown;
  orderingKey: string | null;
  attempts: number;
};

/** Inserts the jobs in one multi-row statement; their `seq` follows the array order. */
export async function enqueueJobs(db: Db, jobs: readonly NewJob[]): Promise<void> {
  if (jobs.length === 0) return;
  const rows = jobs.map(
    (job) =>
      sql`(${uuidv7()}::uuid, ${JSON.stringify(job.message)}::jsonb, ${job.orderingKey},
           now() + ${job.delayMs}::double precision * interval '1 millisecond')`,
  );
  await db.execute(
    sql`INSERT INTO queue_jobs (id, message, ordering_key, run_at) VALUES ${sql.join(rows, sql`, `)}`,
  );
}

// Claims are serialised across workers by this transaction-scoped advisory lock: it makes
// "one job per ordering key at a time" airtight (without it, two claims with overlapping
// snapshots could each take a different job of one key). A claim is one short statement
// on indexed rows, so serialising it costs little; SKIP LOCKED still keeps it clear of rows
// being finished or extended by other workers.
const CLAIM_LOCK = 727_275;

/**
 * Claims up to `limit` due jobs for `workerId`, leasing them for `leaseMs`. A job is due when
 * its `run_at` has come and it is not leased (or its lease ran out). A job with an ordering
 * key is due only when no other job of that key is leased and none enqueued before it is due:
 * so each key's jobs run one at a time, in enqueue order.
 */
export async function claimJobs(
  db: Db,
  options: { workerId: string; limit: number; leaseMs: number },
): Promise<ClaimedJob[]> {
  const { workerId, limit, leaseMs } = options;
  if (limit <= 0) return [];
  const rows = await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${CLAIM_LOCK})`);
    return selectRows<{
      id: string;
      seq: string | number;
      message: unknown;
      ordering_key: string | null;
      attempts: number;
    }>(
      tx,
      sql`
        WITH due AS (
          SELECT j.id FROM queue_jobs j
          WHERE j.run_at <= now()
            AND (j.locked_until IS NULL OR j.locked_until < now())
            AND (j.ordering_key IS NULL OR NOT EXISTS (
              SELECT 1 FROM queue_jobs o
              WHERE o.ordering_key = j.ordering_key AND o.id <> j.id
                AND (o.locked_until >= now() OR (o.seq < j.seq AND o.run_at <= now()))))
          ORDER BY j.run_at, j.seq
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        )
        UPDATE queue_jobs q
        SET locked_until = now() + ${leaseMs}::double precision * interval '1 millisecond',
            locked_by = ${workerId}, attempts = q.attempts + 1
        FROM due WHERE q.id = due.id
        RETURNING q.id, q.seq, q.message, q.ordering_key, q.attempts`,
    );
  });
  return rows
    .map((r) => ({
      id: r.id,
      seq: Number(r.seq),
      message: r.message,
      orderingKey: r.ordering_key,
      attempts: r.attempts,
    }))
    .sort((a, b) => a.seq - b.seq);
}

/** Extends the leases this worker still holds; returns the ids it still holds. */
export async function extendLeases(
  db: Db,
  options: { workerId: string; ids: readonly string[]; leaseMs: number },
): Promise<string[]> {
  if (options.ids.length === 0) return [];
  const rows = await selectRows<{ id: string }>(
    db,
    sql`UPDATE queue_jobs
        SET locked_until = now() + ${options.leaseMs}::double precision * interval '1 millisecond'
        WHERE id IN (${sql.join(
          options.ids.map((id) => sql`${id}::uuid`),
          sql`, `,
        )}) AND locked_by = ${options.workerId}
        RETURNING id`,
  );
  return rows.map((r) => r.id);
}

/** Gives jobs back (lease cleared) so any worker claims them at once, e.g. on shutdown. */
export async function releaseJobs(
  db: Db,
  options: { workerId: string; ids: readonly string[] },
): Promise<void> {
  if (options.ids.length === 0) return;
  await db.execute(
    sql`UPDATE queue_jobs SET locked_until = NULL, locked_by = NULL
        WHERE id IN (${sql.join(
          options.ids.map((id) => sql`${id}::uuid`),
          sql`, `,
        )}) AND locked_by = ${options.workerId}`,
  );
}

/**
 * When the next job not yet due becomes due, in milliseconds from now (null: none), so
 * an idle worker can sleep exactly until then instead of only polling.
 */
export async function msUntilNextDue(db: Db): Promise<number | null> {
  const rows = await selectRows<{ ms: number | string | null }>(
    db,
    sql`SELECT extract(epoch FROM (min(run_at) - now())) * 1000 AS ms
        FROM queue_jobs WHERE run_at > now() AND locked_until IS NULL`,
  );
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? null : Math.max(0, Number(ms));
}

export type QueueDepth = { queued: number; ready: number; delayed: number };

/** Jobs waiting (not leased), split into due and delayed. */
export async function queueDepth(db: Db): Promise<QueueDepth> {
  const rows = await selectRows<{ ready: number; delayed: number }>(
    db,
    sql`SELECT count(*) FILTER (WHERE run_at <= now())::int AS ready,
               count(*) FILTER (WHERE run_at > now())::int AS delayed
        FROM queue_jobs WHERE locked_until IS NULL OR locked_until < now()`,
  );
  const ready = rows[0]?.ready ?? 0;
  const delayed = rows[0]?.delayed ?? 0;
  return { queued: ready + delayed, ready, delayed };
}

/**
 * Removes a handled job, by id alone: if its lease ran out and another worker took it
 * meanwhile, the job is done anyway and the other run finds no row to delete. When other
 * jobs of its ordering key wait, notifies `channel` in the
 * same statement so that any worker (not only this one) takes the next one at once.
 */
export async function completeJobAndSignal(db: Db, id: string, channel: string): Promise<void> {
  await db.execute(sql`
    WITH done AS (DELETE FROM queue_jobs WHERE id = ${id}::uuid RETURNING ordering_key)
    SELECT pg_notify(${channel}, 'next') FROM done
    WHERE done.ordering_key IS NOT NULL
      AND EXISTS (SELECT 1 FROM queue_jobs q WHERE q.ordering_key = done.ordering_key AND q.id <> ${id}::uuid)`);
}
