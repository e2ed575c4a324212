import type { Context } from '@fedify/fedify';
import type { Activity, Recipient } from '@fedify/vocab';
import { listFollowerRecipients, type Recipient as RecipientRow } from '../models/follows.ops.ts';
import { blockedHostsAmong } from '../models/instances.ops.ts';
import type { RemoteActor } from '../models/schema/index.ts';
import type { AppContext } from '../server/context.ts';
import { logger } from '../server/logging.ts';

const log = logger('federation', 'delivery');

/**
 * Outgoing deliveries. Sending only enqueues (the queue delivers, retries with back-off and
 * gives up on 404/410), so a local action never waits for, or fails because of, a remote
 * server. Blocked servers are filtered out here, the one door every delivery goes through.
 */

/** A Fedify context outside any request (API routes, domain events). */
export function federationContext(app: AppContext): Context<AppContext> {
  return app.federation.createContext(app.config.publicUrl, app);
}

export function recipientOf(actor: RecipientRow): Recipient {
  return {
    id: new URL(actor.iri),
    inboxId: new URL(actor.inbox),
    endpoints: actor.sharedInbox ? { sharedInbox: new URL(actor.sharedInbox) } : null,
  };
}

async function withoutBlocked(app: AppContext, actors: RecipientRow[]): Promise<RecipientRow[]> {
  const blocked = await blockedHostsAmong(app.db, [...new Set(actors.map((a) => a.domain))]);
  return blocked.size === 0 ? actors : actors.filter((a) => !blocked.has(a.domain));
}

export type SendOptions = { orderingKey?: string };

/** Sends an activity from a local actor to the given remote actors (shared inboxes preferred). */
export async function sendToActors(
  app: AppContext,
  from: string,
  to: RecipientRow[],
  activity: Activity,
  options: SendOptions = {},
): Promise<number> {
  const recipients = (await withoutBlocked(app, to)).map(recipientOf);
  if (recipients.length === 0) {
    log.debug('{id} from {from}: no recipient left', { id: activity.id?.href, from });
    return 0;
  }
  await federationContext(app).sendActivity({ identifier: from }, recipients, activity, {
    preferSharedInbox: true,
    orderingKey: options.orderingKey,
    // Signed here and queued as batches at once (outbox-batches.ts): a few dozen rows even for
    // a thousand servers, so Fedify's extra "fan-out" job (queued, claimed, parsed and signed
    // again by a worker before any delivery) would only delay the first arrival.
    fanout: 'skip',
  });
  return recipients.length;
}

/** Sends an activity from a local actor to its accepted followers, plus `extra` actors (mentions, the replied-to author). */
export async function sendToFollowers(
  app: AppContext,
  from: string,
  activity: Activity,
  options: SendOptions & { extra?: RemoteActor[] } = {},
): Promise<number> {
  const followers = await listFollowerRecipients(app.db, from);
  const byIri = new Map<string, RecipientRow>();
  for (const f of followers) byIri.set(f.iri, f);
  for (const a of options.extra ?? []) byIri.set(a.iri, a);
  return sendToActors(app, from, [...byIri.values()], activity, options);
}
