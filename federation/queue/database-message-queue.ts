import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type {
  MessageQueue,
  MessageQueueDepth,
  MessageQueueEnqueueOptions,
  MessageQueueListenOptions,
} from '@fedify/fedify';
import type { Database } from '../../models/db.ts';
import {
  type EnqueueNotice,
  enqueueJobs,
  enqueueKeyedJobs,
  type KeyedJob,
  type NewJob,
  queueDepth,
} from '../../models/queue.ops.ts';
import { durationMs } from '../kv/duration-ms.ts';
import { QueueWorker } from './queue-worker.ts';

/** The most jobs one enqueue transaction stores (a fan-out to more servers takes several). */
const MAX_ENQUEUE_BATCH = 500;

/** The LISTEN/NOTIFY channel the instance's workers wake on, unless told otherwise. */
export const QUEUE_CHANNEL = 'parvis_queue';

export type DatabaseMessageQueueOptions = {
  /** Handlers one `listen()` runs at once in this process (QUEUE_CONCURRENCY). */
  concurrency?: number;
  /** Names this process in `locked_by`; unique per process by default. */
  workerId?: string;
  /** How long a claim holds a job before another worker may take it over (ms). */
  leaseMs?: number;
  /** How often running jobs' leases are extended (ms); well under `leaseMs`. */
  heartbeatMs?: number;
  /** The longest an idle worker waits before looking again without a notification (ms). */
  pollIntervalMs?: number;
  /** On shutdown, how long running handlers may finish before their jobs are released (ms). */
  shutdownGraceMs?: number;
  /** A job claimed more often than this (its runs kept failing, or its workers dying) is dropped. */
  maxClaims?: number;
  /** A job whose handler threw runs again after this, doubled at each attempt, at most a minute (ms). */
  retryBaseMs?: number;
  /** The LISTEN/NOTIFY channel workers wake on (the same for every process of the instance). */
  channel?: string;
};

/**
 * Fedify's MessageQueue on our database, shared by every web and worker process of the
 * instance: durable, at-least-once, ordered per ordering key. See docs/adr/0005.
 */
export class DatabaseMessageQueue implements MessageQueue {
  /** Fedify retries failed deliveries and inbox activities itself (re-enqueued with a delay). */
  readonly nativeRetrial = false;
  readonly #database: Database;
  readonly #options: Required<DatabaseMessageQueueOptions>;
  #listeners = 0;
  /** Enqueues waiting to be stored by the next batch. */
  #pending: { job: KeyedJob; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #storing = false;

  constructor(database: Database, options: DatabaseMessageQueueOptions = {}) {
    const leaseMs = options.leaseMs ?? 30_000;
    const concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`queue concurrency must be a positive integer, got ${concurrency}`);
    if (!(leaseMs > 0)) throw new RangeError(`queue lease must be positive, got ${leaseMs}`);
    this.#database = database;
    this.#options = {
      concurrency,
      workerId: options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
      leaseMs,
      heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3)),
      pollIntervalMs: options.pollIntervalMs ?? 2_000,
      shutdownGraceMs: options.shutdownGraceMs ?? 10_000,
      maxClaims: options.maxClaims ?? 5,
      retryBaseMs: options.retryBaseMs ?? 1_000,
      channel: options.channel ?? QUEUE_CHANNEL,
    };
  }

  get workerId(): string {
    return this.#options.workerId;
  }

  /**
   * Enqueues are gathered: every call made in the same turn of the event loop (Fedify's fan-out
   * enqueues one delivery per recipient server, each with its own ordering key, all at once) is
   * stored by one transaction, which also announces them. Batches are stored one after
   * the other, so jobs of one key keep the order of the calls.
   */
  enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    let job: KeyedJob;
    try {
      if (message === undefined) throw new TypeError('a queue message must be a JSON value, got undefined');
      job = { message, delayMs: toDelayMs(options), orderingKey: options?.orderingKey ?? null };
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      if (this.#pending.push({ job, resolve, reject }) === 1 && !this.#storing)
        setImmediate(() => void this.#storePending());
    });
  }

  async #storePending(): Promise<void> {
    this.#storing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, MAX_ENQUEUE_BATCH);
        try {
          const jobs = batch.map((p) => p.job);
          // The notification rides on the insert: one round trip, heard once the jobs commit.
          await enqueueKeyedJobs(this.#database.db, jobs, this.#notice(jobs.every((j) => j.delayMs > 0)));
          for (const p of batch) p.resolve();
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.#storing = false;
    }
  }

  /** Wakes the workers: 'delayed' when every job waits (they re-read the next due time). */
  #notice(allDelayed: boolean): EnqueueNotice {
    return { channel: this.#options.channel, payload: allDelayed ? 'delayed' : 'ready' };
  }

  /** One multi-row insert carrying its notification. */
  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    const delayMs = toDelayMs(options);
    const orderingKey = options?.orderingKey ?? null;
    const jobs: NewJob[] = messages.map((message) => {
      if (message === undefined) throw new TypeError('a queue message must be a JSON value, got undefined');
      return { message, delayMs };
    });
    if (jobs.length === 0) return;
    await enqueueJobs(this.#database.db, jobs, orderingKey, this.#notice(delayMs > 0));
  }

  async listen(
    handler: (message: unknown) => Promise<void> | void,
    options?: MessageQueueListenOptions,
  ): Promise<void> {
    const n = ++this.#listeners;
    const { workerId, ...settings } = this.#options;
    const worker = new QueueWorker(this.#database, handler, {
      ...settings,
      // Two listen() calls on one queue are two workers: their leases must not mix.
      workerId: n === 1 ? workerId : `${workerId}/${n}`,
    });
    await worker.run(options?.signal);
  }

  async getDepth(): Promise<MessageQueueDepth> {
    return queueDepth(this.#database.db);
  }
}

function toDelayMs(options: MessageQueueEnqueueOptions | undefined): number {
  if (!options?.delay) return 0;
  const ms = durationMs(options.delay);
  if (!Number.isFinite(ms) || ms < 0)
    throw new RangeError(`a queue delay must not be negative, got ${options.delay.toString()}`);
  return ms;
}
