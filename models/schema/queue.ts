import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Fedify's message queue (outgoing deliveries, incoming activities, fan-outs). A job is
 * claimed by a worker with a lease (`locked_until`, `locked_by`) in a short transaction, and
 * deleted once handled; a job whose lease ran out is claimed again. See docs/adr/0005.
 */
export const queueJobs = pgTable(
  'queue_jobs',
  {
    id: uuid('id').primaryKey(),
    /** Enqueue order: FIFO and the order within one ordering key follow it. */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    message: jsonb('message').notNull(),
    /** Jobs sharing an ordering key run one at a time, in `seq` order. */
    orderingKey: text('ordering_key'),
    /**
     * Waits behind an earlier job of its ordering key. Of one key's jobs, only the earliest is
     * unblocked; finishing it unblocks the next (both under the key's advisory lock), so claims
     * never look at other rows of the key.
     */
    blocked: boolean('blocked').notNull().default(false),
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lockedBy: text('locked_by'),
    /** How many times the job was claimed (more than one means a worker lost it). */
    attempts: integer('attempts').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The claim scans unleased, unblocked jobs in due order.
    index('queue_jobs_claimable_idx')
      .on(t.runAt, t.seq)
      .where(sql`${t.lockedUntil} IS NULL AND NOT ${t.blocked}`),
    // Leased jobs: expired leases are found (and cleared) here.
    index('queue_jobs_leased_idx').on(t.lockedUntil).where(sql`${t.lockedUntil} IS NOT NULL`),
    // The next job of an ordering key.
    index('queue_jobs_ordering_idx').on(t.orderingKey, t.seq).where(sql`${t.orderingKey} IS NOT NULL`),
  ],
);
