import { sql } from 'drizzle-orm';
import { DatabaseMessageQueue, type DatabaseMessageQueueOptions } from '../../federation/queue/index.ts';
import type { Database } from '../../models/db.ts';
import { selectRows } from '../../models/db-driver.ts';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` until it holds; fails with `what` after `timeoutMs` (a hang guard, not a timing assertion). */
export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

export type Consumer = { queue: DatabaseMessageQueue; stopped: Promise<void>; stop(): Promise<void> };

/**
 * Starts consumers and stops them all (then empties the queue table) between tests, so no
 * test sees another's jobs or workers.
 */
export class QueueHarness {
  readonly #consumers: Consumer[] = [];

  consume(
    database: Database,
    handler: (message: unknown) => Promise<void> | void,
    options: DatabaseMessageQueueOptions = {},
  ): Consumer {
    const queue = new DatabaseMessageQueue(database, {
      pollIntervalMs: 200,
      shutdownGraceMs: 100,
      ...options,
    });
    const controller = new AbortController();
    const stopped = queue.listen(handler, { signal: controller.signal });
    const consumer = {
      queue,
      stopped,
      async stop() {
        controller.abort();
        await stopped;
      },
    };
    this.#consumers.push(consumer);
    return consumer;
  }

  async reset(database: Database): Promise<void> {
    await Promise.all(this.#consumers.splice(0).map((c) => c.stop()));
    await database.db.execute(sql`DELETE FROM queue_jobs`);
  }
}

export async function jobRows(
  database: Database,
): Promise<{ id: string; locked_until: Date | null; locked_by: string | null; attempts: number }[]> {
  return selectRows(
    database.db,
    sql`SELECT id, locked_until, locked_by, attempts FROM queue_jobs ORDER BY seq`,
  );
}

/** A promise with its resolver, for handlers that wait on the test. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
