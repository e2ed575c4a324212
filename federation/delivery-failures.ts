import type { Federation } from '@fedify/fedify';
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
    log.info('Delivery to {inbox} given up ({status})', {
      inbox: failure.inbox.href,
      status: failure.statusCode,
    });
    if (failure.reason !== 'http' || failure.statusCode !== 410) return;
    for (const actorId of failure.actorIds) {
      const actor = await findRemoteActorByIri(ctx.data.db, actorId.href);
      if (actor?.inbox !== failure.inbox.href) continue;
      await deleteRemoteActor(ctx.data.db, actor.iri);
      log.info('Remote actor {actor} is gone (410): forgotten', { actor: actor.iri });
    }
  });
}
