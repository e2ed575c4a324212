import { CircuitBreaker, createFederation, type Federation } from '@fedify/fedify';
import type { Database } from '../models/db.ts';
import type { Config } from '../server/config.ts';
import type { AppContext } from '../server/context.ts';
import { registerActors } from './actors.ts';
import { withBlockedDeliveriesDropped } from './blocked-delivery-filter.ts';
import { registerCollections } from './collections.ts';
import { PERMANENT_FAILURE_STATUSES, registerDeliveryFailures } from './delivery-failures.ts';
import { CIRCUIT_KV_PREFIX, circuitBreakerOptions } from './delivery-state.ts';
import { registerFollowObjects } from './follows.ts';
import { registerInbox } from './inbox.ts';
import { createKvStore } from './kv/index.ts';
import { registerNodeInfo } from './nodeinfo.ts';
import { registerObjects } from './objects.ts';
import { withOutboxBatches } from './outbox-batches.ts';
import { createMessageQueue } from './queue/index.ts';

const USER_AGENT = 'Parvis/0.1.0';

/**
 * Builds the instance's Federation: storage, origin and process role only; what it serves and
 * how it reacts are registered by the files named below. LogTape is configured by
 * server/logging.ts (Fedify logs under the `fedify` category).
 */
export function buildFederation(config: Config, database: Database): Federation<AppContext> {
  // Both on the instance's database: durable across restarts, shared by web and worker processes.
  const kv = createKvStore(database);
  const circuitBreaker = circuitBreakerOptions(config, database);
  const federation = createFederation<AppContext>({
    kv,
    // First attempts go out in batches (outbox-batches.ts); the rest is Fedify's own path.
    queue: withOutboxBatches(
      withBlockedDeliveriesDropped(
        createMessageQueue(database, { concurrency: config.queueConcurrency, leaseMs: config.queueLeaseMs }),
        database.db,
      ),
      {
        db: database.db,
        userAgent: `${USER_AGENT} (+${config.publicUrl.href})`,
        circuitBreaker: new CircuitBreaker({ kv, prefix: CIRCUIT_KV_PREFIX, options: circuitBreaker }),
      },
    ),
    // Per-server back-off: an unavailable server's deliveries are held, then one probes it.
    circuitBreaker,
    permanentFailureStatusCodes: [...PERMANENT_FAILURE_STATUSES],
    kvPrefixes: { circuitBreaker: CIRCUIT_KV_PREFIX },
    // The queue only runs where deliveries are made (role worker or all): see startFederationQueue.
    manuallyStartQueue: true,
    origin: config.publicUrl.href,
    // Test-only; server/config.ts refuses it when NODE_ENV=production.
    allowPrivateAddress: config.allowPrivateAddress,
    userAgent: { software: USER_AGENT, url: config.publicUrl },
  });
  registerActors(federation);
  registerCollections(federation);
  registerNodeInfo(federation);
  registerFollowObjects(federation);
  registerDeliveryFailures(federation);
  registerObjects(federation);
  registerInbox(federation);
  return federation;
}

/** Starts delivering and processing queued activities until `signal` aborts (role worker/all). */
export function startFederationQueue(ctx: AppContext, signal: AbortSignal): Promise<void> {
  return ctx.federation.startQueue(ctx, { signal });
}
