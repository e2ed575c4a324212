import {
  type CircuitBreakerOptions,
  type CircuitBreakerState,
  type KvKey,
  parseCircuitBreakerKvState,
} from '@fedify/fedify';
import type { Database, Db } from '../models/db.ts';
import {
  countDroppedActivity,
  findKnownInstance,
  listKnownInstances,
  recordDeliveryState,
} from '../models/instances.ops.ts';
import { kvCompareAndSwap, kvGet } from '../models/kv.ops.ts';
import { releaseDelayedDeliveries } from '../models/queue.ops.ts';
import type { DeliveryState } from '../models/schema/index.ts';
import type { Config } from '../server/config.ts';
import type { AppContext } from '../server/context.ts';
import { logger } from '../server/logging.ts';
import { createKvStore } from './kv/index.ts';
import { encodeKey } from './kv/key-codec.ts';
import { QUEUE_CHANNEL } from './queue/index.ts';

const log = logger('federation', 'delivery');

/**
 * Per-server back-off for outgoing deliveries. Fedify's circuit breaker counts delivery
 * failures per host (host:port, as `known_instances.domain`); after
 * FEDERATION_UNAVAILABLE_AFTER_FAILURES within FEDERATION_FAILURE_WINDOW_MS the server is
 * "unavailable": its queued deliveries are held, not attempted, for
 * FEDERATION_RETRY_UNAVAILABLE_AFTER_MS; then one delivery probes it, and success makes it
 * available again (held deliveries follow). The circuit's state lives in Fedify's KV (our
 * database, shared by every process); the `known_instances` delivery columns mirror it so
 * admins can see it, and `retryDeliveriesNow` lets an admin end the wait for one server.
 */

/** Where Fedify keeps each host's circuit in the KV store (its default, set explicitly). */
export const CIRCUIT_KV_PREFIX: KvKey = ['_fedify', 'circuit'];

/** How long held activities wait for their server before they are given up (Fedify's default). */
const HELD_ACTIVITY_TTL_MS = 7 * 24 * 3600_000;

type CircuitTimings = {
  recoveryDelayMs: number;
  releaseIntervalMs: number;
  stateTtlMs: number;
};

function circuitTimings(config: Config): CircuitTimings {
  const recoveryDelayMs = config.federationRetryUnavailableAfterMs;
  return {
    recoveryDelayMs,
    // While a probe is out, the other held deliveries look again this often: about once per
    // probe (it answers or times out within the request timeout), not every second.
    releaseIntervalMs: Math.min(recoveryDelayMs, Math.max(1000, config.federationRequestTimeoutMs)),
    stateTtlMs: recoveryDelayMs + Math.max(HELD_ACTIVITY_TTL_MS, config.federationFailureWindowMs),
  };
}

export function deliveryStateOf(state: CircuitBreakerState | undefined): DeliveryState {
  switch (state) {
    case 'open':
      return 'unavailable';
    case 'half-open':
      return 'probing';
    default:
      return 'available';
  }
}

/** The `circuitBreaker` option of `createFederation`, with the admin-visible mirror and logs. */
export function circuitBreakerOptions(config: Config, database: Database): CircuitBreakerOptions {
  const t = circuitTimings(config);
  return {
    failureThreshold: config.federationUnavailableAfterFailures,
    failureWindow: { milliseconds: config.federationFailureWindowMs },
    recoveryDelay: { milliseconds: t.recoveryDelayMs },
    heldActivityTtl: { milliseconds: HELD_ACTIVITY_TTL_MS },
    releaseInterval: { milliseconds: t.releaseIntervalMs },
    stateTtl: { milliseconds: t.stateTtlMs },
    // Fedify catches and logs what these throw; a failed write only leaves the mirror stale
    // until `reconcileDeliveryStates` looks at the KV again.
    onStateChange: async (host, previous, next) => {
      const state = deliveryStateOf(next);
      if (state === 'unavailable') {
        log.warning('Deliveries to {host} are held: the server is unavailable after repeated failures', {
          host,
          previous,
        });
      } else if (state === 'available') {
        log.info('{host} is available again: held deliveries go out', { host, previous });
      } else {
        log.info('Probing whether {host} is back with one delivery', { host });
      }
      await recordDeliveryState(database.db, host, state, new Date());
    },
    onActivityDrop: async (host, drop) => {
      log.warning('Activity {activityId} to {inbox} given up: {host} stayed unavailable since {heldSince}', {
        host,
        activityId: drop.activityId,
        inbox: drop.inbox.href,
        heldSince: drop.heldSince.toString(),
      });
      await countDroppedActivity(database.db, host);
    },
  };
}

/** One host's circuit as Fedify stored it (`raw`, kept whole when changed) and as it reads it. */
async function readCircuit(db: Db, host: string) {
  const key = encodeKey([...CIRCUIT_KV_PREFIX, host]);
  const found = await kvGet(db, key);
  const raw =
    found.found && typeof found.value === 'object' && found.value !== null ? found.value : undefined;
  return { key, raw, state: parseCircuitBreakerKvState(raw) };
}

export type DeliveryStateContext = Pick<AppContext, 'config' | 'database' | 'db'>;

export type RetryNowResult =
  | { ok: true; released: number }
  | { ok: false; reason: 'unknown-instance' | 'not-held' };

/**
 * Ends the wait for one unavailable server: its circuit is made due for a probe at once, and
 * its waiting deliveries are made due now. The circuit breaker still sends one of them first
 * as the probe; if the server answers, the rest follow at their next turn (releaseInterval);
 * if not, it stays unavailable for another recovery delay.
 */
export async function retryDeliveriesNow(app: DeliveryStateContext, host: string): Promise<RetryNowResult> {
  const known = await findKnownInstance(app.db, host);
  if (!known) return { ok: false, reason: 'unknown-instance' };
  const t = circuitTimings(app.config);
  for (let attempt = 0; ; attempt++) {
    const { key, raw, state } = await readCircuit(app.db, known.domain);
    if (!raw || !state || state.state === 'closed') {
      if (known.deliveryState !== 'available') await reconcileDeliveryStates(app.database);
      return { ok: false, reason: 'not-held' };
    }
    // As if the recovery delay had already run out: the next delivery attempt is the probe.
    const due = new Date(Date.now() - t.recoveryDelayMs - 1000).toISOString();
    const next = state.state === 'open' ? { ...raw, opened: due } : { ...raw, halfOpened: due };
    if (await kvCompareAndSwap(app.db, key, raw, next, t.stateTtlMs)) break;
    // A worker changed the circuit meanwhile: look again (it may have closed).
    if (attempt >= 10) throw new Error(`the circuit of ${known.domain} keeps changing; try again`);
  }
  const released = await releaseDelayedDeliveries(app.db, known.domain, QUEUE_CHANNEL);
  log.info('Deliveries to {host} retried now at an admin’s request ({released} waiting)', {
    host: known.domain,
    released,
  });
  return { ok: true, released };
}

/**
 * Brings the mirrored delivery states back in line with the circuits in the KV store, in case
 * a state change was not recorded (a database error in the callback) or a circuit expired
 * from the store. Each correction is dated when the KV was read, so it never overwrites a
 * change reported meanwhile by a worker.
 */
export async function reconcileDeliveryStates(database: Database): Promise<void> {
  const db = database.db;
  const kv = createKvStore(database);
  const readAt = new Date();
  const circuits = new Map<string, DeliveryState>();
  for await (const { key, value } of kv.list(CIRCUIT_KV_PREFIX)) {
    if (key.length !== CIRCUIT_KV_PREFIX.length + 1) continue;
    const state = parseCircuitBreakerKvState(value);
    if (state) circuits.set(key.at(-1)!, deliveryStateOf(state.state));
  }
  const notAvailable = [
    ...(await listKnownInstances(db, { deliveryState: 'unavailable' })),
    ...(await listKnownInstances(db, { deliveryState: 'probing' })),
  ];
  const mirrored = new Map(notAvailable.map((i) => [i.domain, i.deliveryState]));
  for (const domain of mirrored.keys()) if (!circuits.has(domain)) circuits.set(domain, 'available');
  for (const [domain, state] of circuits) {
    if ((mirrored.get(domain) ?? 'available') === state) continue;
    await recordDeliveryState(db, domain, state, readAt);
  }
}
