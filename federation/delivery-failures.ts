import type { Federation } from '@fedify/fedify';
import type { Db } from '../models/db.ts';
import { deleteRemoteActor, findRemoteActorByIri } from '../models/federation.ops.ts';
import type { AppContext } from '../server/context.ts';
import { logger } from '../server/logging.ts';

const log = logger('federation', 'delivery');

/**
 * When an actor's own inbox answers 410 Gone, the actor is gone: forget our copy (and with
 * it the follows), so that nothing more is queued for it. A shared inbox answering 410, or a
 * 404, proves nothing about one actor and changes nothing. Fedify has already stopped retrying.
 */
export function registerDeliveryFailures(federation: Federation<AppContext>): void {
  federation.setOutboxPermanentFailureHandler(async (ctx, failure) => {
    if (failure.reason !== 'http') {
      log.info('Delivery to {inbox} given up ({reason})', {
        inbox: failure.inbox.href,
        reason: failure.reason,
      });
      return;
    }
    await onPermanentFailure(ctx.data.db, failure.inbox, failure.statusCode, failure.actorIds);
  });
}

/** The answers after which a delivery is given up at once (Fedify's default). */
export const PERMANENT_FAILURE_STATUSES: readonly number[] = [404, 410];

/** A delivery answered 404 or 410 (by Fedify's path or a batch's first attempt). */
export async function onPermanentFailure(
  db: Db,
  inbox: URL,
  status: number,
  actorIds: readonly (URL | string)[],
): Promise<void> {
  log.info('Delivery to {inbox} given up ({status})', { inbox: inbox.href, status });
  if (status !== 410) return;
  for (const actorId of actorIds) {
    const actor = await findRemoteActorByIri(db, typeof actorId === 'string' ? actorId : actorId.href);
    if (actor?.inbox !== inbox.href) continue;
    await deleteRemoteActor(db, actor.iri);
    log.info('Remote actor {actor} is gone (410): forgotten', { actor: actor.iri });
  }
}
