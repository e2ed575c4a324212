import { getLogger } from '@logtape/logtape';
import type { Database } from '../../models/db.ts';
import {
  type ClaimedJob,
  claimJobs,
  completeJobs,
  extendLeases,
  msUntilNextDue,
  reclaimExpiredLeases,
  releaseJobs,
} from '../../models/queue.ops.ts';

const log = getLogger(['parvis', 'queue']);

export type QueueWorkerSettings = {
  channel: string;
  workerId: string;
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  pollIntervalMs: number;
  shutdownGraceMs: number;
  maxClaims: number;
  retryBaseMs: number;
};

type Handler = (message: unknown) => Promise<void> | void;

const MAX_BACKOFF_MS = 10_000;
/** A job whose handler threw runs again after `retryBaseMs`, doubled at each attempt, at most: */
const MAX_RETRY_DELAY_MS = 60_000;
/** How long a finished job may wait for others to be deleted with it in one transaction. */
const DELETE_BATCH_MS = 5;

/**
 * One `listen()` call: claims due jobs while it has free slots, runs up to `concurrency`
 * handlers at once, keeps their leases alive, and deletes each job once handled. It wakes on a
 * notification, on a freed slot, at the next delayed job's due time, and at least every poll
 * interval, so a missed notification only delays work. Database errors are logged and retried
 * with back-off; nothing here rejects.
 */
export class QueueWorker {
  readonly #database: Database;
  readonly #handler: Handler;
  readonly #settings: QueueWorkerSettings;
  readonly #running = new Map<string, Promise<void>>();
  /** Finished jobs waiting to be deleted together in the next batch. */
  #finished: ClaimedJob[] = [];
  /**
   * Finished jobs out of their slot whose deletion has not committed yet: this worker still
   * holds (and extends) their leases.
   */
  readonly #finishing = new Set<string>();
  #deleteTimer: NodeJS.Timeout | undefined;
  /** The deletions in progress, one batch after the other. */
  #deleting: Promise<void> = Promise.resolve();
  #lastReclaim = 0;
  /** Set once shutdown released the unfinished jobs: they belong to the queue again. */
  #released = new Set<string>();
  #wakePending = false;
  #wakeUp: (() => void) | undefined;

  constructor(database: Database, handler: Handler, settings: QueueWorkerSettings) {
    this.#database = database;
    this.#handler = handler;
    this.#settings = settings;
  }

  async run(signal: AbortSignal | undefined): Promise<void> {
    const onAbort = () => this.#wake();
    signal?.addEventListener('abort', onAbort);
    const heartbeat = setInterval(() => void this.#heartbeat(), this.#settings.heartbeatMs);
    heartbeat.unref();
    let unlisten: (() => Promise<void>) | undefined;
    let backoffMs = 0;
    try {
      while (!signal?.aborted) {
        // The LISTEN subscription is retried here until it succeeds; the driver itself
        // re-establishes it after a cut.
        unlisten ??= await this.#subscribe();
        this.#wakePending = false;
        let waitMs: number;
        try {
          if (Date.now() - this.#lastReclaim >= this.#settings.pollIntervalMs) {
            this.#lastReclaim = Date.now();
            const reclaimed = await reclaimExpiredLeases(this.#database.db);
            if (reclaimed > 0)
              log.info('{count} job(s) whose lease ran out are back in the queue.', { count: reclaimed });
          }
          const free = this.#settings.concurrency - this.#running.size;
          if (free > 0) {
            const jobs = await claimJobs(this.#database.db, {
              workerId: this.#settings.workerId,
              limit: free,
              leaseMs: this.#settings.leaseMs,
            });
            for (const job of jobs) this.#start(job);
            // A full batch: more may be due right now.
            if (jobs.length === free) continue;
            const nextDue = await msUntilNextDue(this.#database.db);
            waitMs = Math.min(this.#settings.pollIntervalMs, nextDue ?? Number.POSITIVE_INFINITY);
          } else {
            // Every slot busy: a finishing job wakes the loop.
            waitMs = this.#settings.pollIntervalMs;
          }
          backoffMs = 0;
        } catch (error) {
          backoffMs = Math.min(Math.max(backoffMs * 2, 250), MAX_BACKOFF_MS);
          log.warn('Queue worker {workerId} cannot reach the database; retrying in {backoffMs} ms: {error}', {
            workerId: this.#settings.workerId,
            backoffMs,
            error,
          });
          waitMs = backoffMs;
          // An error is no reason to skip the back-off: a notification must not spin the loop.
          await this.#sleep(waitMs, true, signal);
          continue;
        }
        await this.#sleep(waitMs, false, signal);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await this.#shutdown();
      clearInterval(heartbeat);
      if (unlisten)
        await unlisten().catch((error: unknown) => log.debug('UNLISTEN failed: {error}', { error }));
    }
  }

  #start(job: ClaimedJob): void {
    // Our own job came back to us after its lease lapsed (the database was out of reach
    // longer than a lease): the first run is still going and will finish it.
    if (this.#running.has(job.id) || this.#finishing.has(job.id)) return;
    if (job.attempts > 1) {
      log.info('Job {jobId} claimed again (attempt {attempts}): a previous run failed or lost its lease.', {
        jobId: job.id,
        attempts: job.attempts,
      });
    }
    // A job whose runs keep failing, or whose workers keep dying or losing it (it crashes them,
    // or never ends), would otherwise be retried forever.
    const poisoned = job.attempts > this.#settings.maxClaims;
    const run = (async (): Promise<'done' | 'retry'> => {
      if (poisoned) {
        log.error('Job {jobId} was claimed {attempts} times without finishing; dropping it.', {
          jobId: job.id,
          attempts: job.attempts,
        });
        return 'done';
      }
      try {
        await this.#handler(job.message);
        return 'done';
      } catch (error) {
        // Fedify catches delivery and inbox failures and enqueues its own retry (nativeRetrial
        // is false). A handler that still throws could not do even that — typically the
        // database was out of reach — so the job stays and runs again later.
        log.warn('Queue handler failed for job {jobId} (attempt {attempts}); it will run again: {error}', {
          jobId: job.id,
          attempts: job.attempts,
          error,
        });
        return 'retry';
      }
    })().then((outcome) => {
      // The slot is free at once; the deletion (or the release) follows.
      this.#running.delete(job.id);
      if (outcome === 'done') this.#complete(job);
      else void this.#retryLater(job);
      this.#wake();
    });
    this.#running.set(job.id, run);
  }

  /**
   * Gives a failed job back to the queue, due after a back-off that grows with its attempts.
   * When even that fails (the database is still away), its lease simply runs out and the
   * periodic reclaim gives it back: either way it is not lost.
   */
  async #retryLater(job: ClaimedJob): Promise<void> {
    if (this.#released.has(job.id)) return;
    const delayMs = Math.min(
      this.#settings.retryBaseMs * 2 ** Math.max(0, job.attempts - 1),
      MAX_RETRY_DELAY_MS,
    );
    try {
      await releaseJobs(this.#database.db, { workerId: this.#settings.workerId, ids: [job.id], delayMs });
    } catch (error) {
      log.warn('Could not give failed job {jobId} back; it returns when its lease ends: {error}', {
        jobId: job.id,
        error,
      });
    }
  }

  /**
   * Deletes a finished job together with the others finishing within a few milliseconds (at
   * most a slot's worth), one transaction per batch: the round trips of a deletion are shared.
   * Until it commits, the job's lease stays ours (the heartbeat extends it) and the next job of
   * its ordering key stays blocked.
   */
  #complete(job: ClaimedJob): void {
    // Released at shutdown: another worker may already run it; the database may be closed.
    if (this.#released.has(job.id)) return;
    this.#finishing.add(job.id);
    if (this.#finished.push(job) >= this.#settings.concurrency) void this.#deleteFinished();
    else this.#deleteTimer ??= setTimeout(() => this.#deleteFinished(), DELETE_BATCH_MS);
  }

  /** Starts deleting the finished jobs now; resolves once every deletion started so far is done. */
  #deleteFinished(): Promise<void> {
    clearTimeout(this.#deleteTimer);
    this.#deleteTimer = undefined;
    const batch = this.#finished;
    this.#finished = [];
    if (batch.length > 0) this.#deleting = this.#deleting.then(() => this.#deleteBatch(batch));
    return this.#deleting;
  }

  /** Retries through short outages; gives up after six attempts (the jobs will rerun). */
  async #deleteBatch(batch: ClaimedJob[]): Promise<void> {
    const jobs = batch.map((job) => ({ id: job.id, orderingKey: job.orderingKey }));
    for (let attempt = 1; ; attempt++) {
      try {
        await completeJobs(this.#database.db, jobs, this.#settings.channel);
        break;
      } catch (error) {
        if (attempt >= 6) {
          log.error(
            'Could not delete {count} finished job(s); they will run again when their lease ends: {error}',
            {
              count: jobs.length,
              error,
            },
          );
          break;
        }
        await delay(Math.min(250 * 2 ** attempt, MAX_BACKOFF_MS));
      }
    }
    for (const job of batch) this.#finishing.delete(job.id);
  }

  async #heartbeat(): Promise<void> {
    const ids = [...this.#running.keys(), ...this.#finishing];
    if (ids.length === 0) return;
    try {
      const held = await extendLeases(this.#database.db, {
        workerId: this.#settings.workerId,
        ids,
        leaseMs: this.#settings.leaseMs,
      });
      if (held.length < ids.length) {
        log.warn('Queue worker {workerId} lost the lease of {lost} running job(s); they may run twice.', {
          workerId: this.#settings.workerId,
          lost: ids.length - held.length,
        });
      }
    } catch (error) {
      log.warn('Extending job leases failed; retrying at the next beat: {error}', { error });
    }
  }

  async #subscribe(): Promise<(() => Promise<void>) | undefined> {
    try {
      return await this.#database.listen(this.#settings.channel, () => this.#wake());
    } catch (error) {
      log.warn('Cannot LISTEN for queue notifications yet; polling meanwhile: {error}', { error });
      return undefined;
    }
  }

  /** Waits for running handlers up to the grace period, then gives the rest back to the queue. */
  async #shutdown(): Promise<void> {
    await this.#releaseUnfinished();
    // Jobs that finished are deleted before the worker returns.
    await this.#deleteFinished();
  }

  async #releaseUnfinished(): Promise<void> {
    if (this.#running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(this.#running.values()),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#settings.shutdownGraceMs);
      }),
    ]);
    clearTimeout(timer);
    const unfinished = [...this.#running.keys()];
    if (unfinished.length === 0) return;
    for (const id of unfinished) this.#released.add(id);
    try {
      await releaseJobs(this.#database.db, { workerId: this.#settings.workerId, ids: unfinished });
      log.info('Queue worker {workerId} stopped; released {count} unfinished job(s).', {
        workerId: this.#settings.workerId,
        count: unfinished.length,
      });
    } catch (error) {
      log.warn('Releasing unfinished jobs failed; their leases will expire instead: {error}', { error });
    }
  }

  #wake(): void {
    this.#wakePending = true;
    const wakeUp = this.#wakeUp;
    this.#wakeUp = undefined;
    wakeUp?.();
  }

  /**
   * Sleeps up to `ms`. A wake-up (notification, freed slot) ends it early unless `ignoreWake`
   * (the back-off after an error); an abort always does.
   */
  async #sleep(ms: number, ignoreWake: boolean, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted || (!ignoreWake && this.#wakePending)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done);
      this.#wakeUp = ignoreWake ? undefined : done;
    });
    this.#wakeUp = undefined;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
