import type {
  CircuitBreaker,
  MessageQueue,
  MessageQueueDepth,
  MessageQueueEnqueueOptions,
  MessageQueueListenOptions,
} from '@fedify/fedify';
import { Temporal } from '@js-temporal/polyfill';
import type { Db } from '../models/db.ts';
import { readDeliveryHints } from '../models/delivery-hints.ops.ts';
import { logger } from '../server/logging.ts';
import { onPermanentFailure, PERMANENT_FAILURE_STATUSES } from './delivery-failures.ts';
import { CIRCUIT_KV_PREFIX } from './delivery-state.ts';
import { postSigned, prepareActivity, rsaSigningKey, type SignatureSpec } from './direct-delivery.ts';
import { SIGNATURE_SPEC_PREFIX } from './kv/index.ts';
import { encodeKey } from './kv/key-codec.ts';

const log = logger('federation', 'delivery');

/**
 * Deliveries in batches. Fedify turns an activity for N servers into N queued messages, each
 * carrying the whole signed activity and the sender's private keys, and makes each delivery
 * alone: its job claimed and deleted, the keys imported, the circuit breaker and the signature
 * spec read from the KV, the request signed through WebCrypto. For a town hall's post to a
 * thousand servers, that bookkeeping costs more than the signatures and the requests.
 *
 * This wrapper of the queue gathers the first attempts of one activity (messages enqueued in
 * the same turn with the same activity and keys) into jobs of at most MAX_BATCH inboxes, the
 * activity stored once. A worker runs a batch with one query for its servers' blocks, circuit
 * states and signature standards, then posts to every inbox at once, signed with a key
 * imported once per process (direct-delivery.ts), in the signature standard Fedify would knock
 * with first. A server that failed lately (it has a circuit state) is left to
 * Fedify's path at once: it decides whether to try, hold or probe. After the attempt:
 * - 2xx: delivered;
 * - 404 or 410: given up, as Fedify does (delivery-failures.ts);
 * - 5xx or no answer (refused, reset, timed out): the failure is recorded in the same circuit
 *   breaker Fedify uses (the server becomes unavailable after as many failures as with
 *   Fedify alone), and the delivery continues as Fedify's first retry, after Fedify's first
 *   back-off or the server's Retry-After;
 * - anything else (400/401 for the signature standard, redirects, 429): handed back at once as
 *   the very message Fedify would have queued, whose path settles it (double-knocking, …).
 * Retries and held deliveries are never batched.
 *
 * Order: Fedify gives each message an ordering key per recipient server (`key\norigin`). A
 * batch's key is `key\n#p`, where p is the server's partition (a hash of its origin): the
 * activities of one key to one server are always in the same partition, so they keep their
 * order, and a fan-out still runs as PARTITIONS parallel lanes.
 *
 * Crash safety: a batch is one job; a worker dying in the middle of one re-sends that batch's
 * inboxes (at most MAX_BATCH) when another takes it over. Receivers deduplicate by activity id.
 */

export const OUTBOX_BATCH_TYPE = 'parvis:outbox-batch';
/** The most inboxes of one batch (sent at once by one job). */
export const MAX_BATCH = 32;
/** Ordered lanes of one ordering key. */
export const PARTITIONS = 64;

/** The fields of Fedify's outbox message that differ from one recipient to the next. */
type OutboxEntry = {
  id: string;
  inbox: string;
  sharedInbox?: boolean;
  actorIds?: string[];
  headers?: Record<string, string>;
  orderingKey?: string;
};
const ENTRY_FIELDS = ['id', 'inbox', 'sharedInbox', 'actorIds', 'headers', 'orderingKey'] as const;

type OutboxMessage = OutboxEntry & {
  type: 'outbox';
  keys: { keyId: string; privateKey: JsonWebKey }[];
  activity: object;
  activityId?: string;
  attempt: number;
  circuitHeld?: boolean;
} & Record<string, unknown>;

export type OutboxBatch = {
  type: typeof OUTBOX_BATCH_TYPE;
  /** Everything Fedify's messages had in common (activity, keys, base URL, …). */
  shared: Record<string, unknown>;
  entries: OutboxEntry[];
};

export type OutboxBatchOptions = {
  db: Db;
  userAgent: string;
  /** The same per-server circuit breaker (state in the KV) as Fedify's deliveries. */
  circuitBreaker: CircuitBreaker;
};

type Pending = {
  message: OutboxMessage;
  orderingKey: string | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
};

export function withOutboxBatches(queue: MessageQueue, options: OutboxBatchOptions): MessageQueue {
  let pending: Pending[] = [];

  const flush = () => {
    const items = pending;
    pending = [];
    for (const { batch, orderingKey, waiters } of groupIntoBatches(items)) {
      queue.enqueue(batch, orderingKey === undefined ? undefined : { orderingKey }).then(
        () => {
          for (const w of waiters) w.resolve();
        },
        (error: unknown) => {
          for (const w of waiters) w.reject(error);
        },
      );
    }
  };

  const wrapped: MessageQueue = {
    nativeRetrial: queue.nativeRetrial,
    enqueue(message: unknown, enqueueOptions?: MessageQueueEnqueueOptions): Promise<void> {
      if (enqueueOptions?.delay || !isFirstAttempt(message)) return queue.enqueue(message, enqueueOptions);
      return new Promise((resolve, reject) => {
        if (pending.push({ message, orderingKey: enqueueOptions?.orderingKey, resolve, reject }) === 1)
          setImmediate(flush);
      });
    },
    listen(handler: (message: unknown) => Promise<void> | void, listenOptions?: MessageQueueListenOptions) {
      return queue.listen(
        (message: unknown) =>
          isOutboxBatch(message) ? deliverBatch(message, queue, options) : handler(message),
        listenOptions,
      );
    },
  };
  const enqueueMany = queue.enqueueMany?.bind(queue);
  if (enqueueMany) {
    wrapped.enqueueMany = async (messages, enqueueOptions) => {
      if (enqueueOptions?.delay || enqueueOptions?.orderingKey || !messages.every(isFirstAttempt))
        return enqueueMany(messages, enqueueOptions);
      await Promise.all(messages.map((m) => wrapped.enqueue(m)));
    };
  }
  const getDepth = queue.getDepth?.bind(queue);
  if (getDepth) wrapped.getDepth = (): Promise<MessageQueueDepth> => getDepth();
  return wrapped;
}

/** A first attempt of one of Fedify's deliveries, as it enqueues them after signing an activity. */
function isFirstAttempt(message: unknown): message is OutboxMessage {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Partial<OutboxMessage>;
  return (
    m.type === 'outbox' &&
    m.attempt === 0 &&
    m.circuitHeld !== true &&
    typeof m.id === 'string' &&
    typeof m.inbox === 'string' &&
    URL.canParse(m.inbox) &&
    Array.isArray(m.keys) &&
    typeof m.activity === 'object' &&
    m.activity !== null
  );
}

export function isOutboxBatch(message: unknown): message is OutboxBatch {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Partial<OutboxBatch>;
  return m.type === OUTBOX_BATCH_TYPE && Array.isArray(m.entries) && typeof m.shared === 'object';
}

/**
 * Messages of one activity are recognised by identity: Fedify builds each message of one send
 * around the same activity and keys objects.
 */
function groupIntoBatches(
  items: Pending[],
): { batch: OutboxBatch; orderingKey: string | undefined; waiters: Pending[] }[] {
  const lanes = new Map<object, Map<object, Map<string | undefined, Pending[]>>>();
  for (const item of items) {
    const { activity, keys } = item.message;
    const byKeys = entryOf(lanes, activity, () => new Map<object, Map<string | undefined, Pending[]>>());
    const byLane = entryOf(byKeys, keys, () => new Map<string | undefined, Pending[]>());
    entryOf(byLane, laneKey(item), (): Pending[] => []).push(item);
  }
  const batches: { batch: OutboxBatch; orderingKey: string | undefined; waiters: Pending[] }[] = [];
  for (const byKeys of lanes.values()) {
    for (const byLane of byKeys.values()) {
      for (const [orderingKey, list] of byLane) {
        for (let i = 0; i < list.length; i += MAX_BATCH) {
          const waiters = list.slice(i, i + MAX_BATCH);
          batches.push({ batch: toBatch(waiters.map((w) => w.message)), orderingKey, waiters });
        }
      }
    }
  }
  return batches;
}

function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** The batch's ordering key: the message's own key with its server replaced by the server's partition. */
function laneKey(item: Pending): string | undefined {
  if (item.orderingKey === undefined) return undefined;
  const origin = new URL(item.message.inbox).origin;
  const suffix = `\n${origin}`;
  const base = item.orderingKey.endsWith(suffix)
    ? item.orderingKey.slice(0, -suffix.length)
    : item.orderingKey;
  return `${base}\n#${partitionOf(origin)}`;
}

/** FNV-1a of the origin, modulo PARTITIONS. */
export function partitionOf(origin: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < origin.length; i++) {
    hash ^= origin.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % PARTITIONS;
}

function toBatch(messages: OutboxMessage[]): OutboxBatch {
  const shared: Record<string, unknown> = { ...messages[0] };
  for (const field of ENTRY_FIELDS) delete shared[field];
  const entries = messages.map((m) => {
    const entry: Record<string, unknown> = {};
    for (const field of ENTRY_FIELDS) if (m[field] !== undefined) entry[field] = m[field];
    return entry as OutboxEntry;
  });
  return { type: OUTBOX_BATCH_TYPE, shared, entries };
}

/** The message Fedify had queued for one inbox of the batch. */
function messageOf(batch: OutboxBatch, entry: OutboxEntry): OutboxMessage {
  return { ...batch.shared, ...entry } as OutboxMessage;
}

/**
 * Sends one batch: blocked servers dropped, the rest posted at once when nothing speaks
 * against it, everything else handed to Fedify's path (enqueued as its own message). Throws
 * only when the database is out of reach, so that the queue runs the batch again later.
 */
async function deliverBatch(
  batch: OutboxBatch,
  queue: MessageQueue,
  options: OutboxBatchOptions,
): Promise<void> {
  const inboxes = batch.entries.map((entry) => ({ entry, url: new URL(entry.inbox) }));
  const circuitKey = (url: URL) => encodeKey([...CIRCUIT_KV_PREFIX, url.host]);
  const specKey = (url: URL) => encodeKey([...SIGNATURE_SPEC_PREFIX, url.origin]);
  const { blocked, kv: hints } = await readDeliveryHints(
    options.db,
    [...new Set(inboxes.map((i) => i.url.host))],
    [...new Set(inboxes.flatMap((i) => [circuitKey(i.url), specKey(i.url)]))],
  );
  const open = inboxes.filter((i) => !blocked.has(i.url.host));
  if (open.length < inboxes.length) {
    log.debug('{dropped} delivery(ies) of {activityId} dropped: their server is blocked', {
      dropped: inboxes.length - open.length,
      activityId: batch.shared.activityId,
    });
  }
  const signer = rsaSigningKey((batch.shared.keys ?? []) as OutboxMessage['keys']);
  // A server with a circuit state failed lately: Fedify decides whether to try it, hold, probe.
  const direct = signer ? open.filter((i) => !hints.has(circuitKey(i.url))) : [];
  // Handed to Fedify's path now (it makes the attempt itself), or as a first retry, later.
  const handOver = open.filter((i) => !direct.includes(i));
  const retries: { entry: OutboxEntry; delayMs: number }[] = [];
  let given = 0;
  if (signer !== undefined && direct.length > 0) {
    const prepared = prepareActivity(batch.shared.activity);
    const outcomes = await Promise.all(
      direct.map((i) =>
        postSigned(i.url, prepared, signer, {
          spec: specOf(hints.get(specKey(i.url))),
          userAgent: options.userAgent,
          headers: i.entry.headers,
        }),
      ),
    );
    for (const [n, outcome] of outcomes.entries()) {
      const i = direct[n]!;
      if (outcome.ok) continue;
      log.info('Delivery of {activityId} to {inbox} failed ({reason}); it goes on with retries', {
        activityId: batch.shared.activityId,
        inbox: i.url.href,
        reason: outcome.status === undefined ? outcome.error : `HTTP ${outcome.status}`,
      });
      if (outcome.status !== undefined && PERMANENT_FAILURE_STATUSES.includes(outcome.status)) {
        // Given up at once, as Fedify does (and an actor whose own inbox is gone is forgotten).
        await onPermanentFailure(options.db, i.url, outcome.status, i.entry.actorIds ?? []);
        given += 1;
      } else if (outcome.status === undefined || outcome.status >= 500) {
        // What Fedify counts as the server failing: the circuit breaker hears of it, and the
        // delivery continues as Fedify's first retry.
        await options.circuitBreaker.recordFailure(i.url.host);
        const retryAfterMs = outcome.status === 503 ? outcome.retryAfterMs : undefined;
        retries.push({ entry: i.entry, delayMs: retryAfterMs ?? firstRetryDelayMs() });
      } else {
        // Redirects, refusals (400/401: the signature standard, which Fedify's double-knock
        // settles), rate limits: Fedify's own path knows what each means.
        handOver.push(i);
      }
    }
  }
  await Promise.all([
    ...handOver.map(({ entry }) =>
      queue.enqueue(
        messageOf(batch, entry),
        entry.orderingKey ? { orderingKey: entry.orderingKey } : undefined,
      ),
    ),
    ...retries.map(({ entry, delayMs }) =>
      queue.enqueue(
        { ...messageOf(batch, entry), attempt: 1 },
        { delay: durationOf(delayMs), orderingKey: entry.orderingKey },
      ),
    ),
  ]);
  log.debug(
    '{activityId}: {sent} inbox(es) reached directly, {handedOver} handed to the retrying path, {given} given up',
    {
      activityId: batch.shared.activityId,
      sent: open.length - handOver.length - retries.length - given,
      handedOver: handOver.length + retries.length,
      given,
    },
  );
}

/** The standard Fedify knocks with first: the one the server took last time, else RFC 9421. */
function specOf(hint: unknown): SignatureSpec {
  return hint === 'draft-cavage-http-signatures-12' ? hint : 'rfc9421';
}

/** Fedify's types name the global `Temporal`, which Node 24 lacks at run time: the polyfill's. */
function durationOf(milliseconds: number): globalThis.Temporal.Duration {
  return Temporal.Duration.from({ milliseconds }) as unknown as globalThis.Temporal.Duration;
}

/** Fedify's default retry policy for a first failure: one to two seconds. */
function firstRetryDelayMs(): number {
  return Math.round(1000 * (1 + Math.random()));
}
