import { randomUUID } from 'node:crypto';
import { Delete, Update } from '@fedify/vocab';
import { findLocalActor } from '../models/federation.ops.ts';
import { listFollows, removeAllFollowsOf } from '../models/follows.ops.ts';
import { findInstitutionById } from '../models/institutions.ops.ts';
import { findPersonaById } from '../models/personas.ops.ts';
import { repliedToActors } from '../models/posts.queries.ts';
import type { AppContext } from '../server/context.ts';
import { logger } from '../server/logging.ts';
import { localActorDocument } from './actors.ts';
import { federationContext, sendToFollowers } from './delivery.ts';
import { subscribePostDelivery } from './outbox-posts.ts';

const log = logger('federation', 'outbox');

/**
 * Turns domain events into outgoing activities, after the local operation has committed.
 * Each handler only enqueues; delivery happens in the queue (role worker/all).
 * Returns a function that unsubscribes everything.
 */
export function registerOutbox(app: AppContext): () => void {
  const offs = [
    subscribePostDelivery(app),
    app.events.on('persona.updated', async ({ personaId }) => {
      const persona = await findPersonaById(app.db, personaId);
      if (persona && !persona.deletedAt) await sendActorUpdate(app, persona.handle);
    }),
    app.events.on('institution.updated', async ({ institutionId }) => {
      const institution = await findInstitutionById(app.db, institutionId);
      if (institution) await sendActorUpdate(app, institution.handle);
    }),
    app.events.on('persona.deleted', async ({ personaId, handle }) => {
      const ctx = federationContext(app);
      const me = ctx.getActorUri(handle);
      // Its followers, the servers of the actors it followed and of those it replied to (they
      // received its replies) drop their copies of it.
      const followed = (await listFollows(app.db, handle, 'outbound')).map((f) => f.actor);
      const repliedTo = await repliedToActors(app.db, personaId);
      const n = await sendToFollowers(
        app,
        handle,
        new Delete({
          id: new URL(`#delete/${randomUUID()}`, me),
          actor: me,
          object: me,
          to: new URL('https://www.w3.org/ns/activitystreams#Public'),
        }),
        { orderingKey: me.href, extra: [...followed, ...repliedTo] },
      );
      await removeAllFollowsOf(app.db, handle);
      log.debug('Deletion of {handle} sent to {n} actors', { handle, n });
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/** A profile change, sent to followers so that their copies stay current. */
export async function sendActorUpdate(app: AppContext, handle: string): Promise<void> {
  const ctx = federationContext(app);
  const local = await findLocalActor(app.db, handle);
  if (!local || local.deleted) return;
  const actor = await localActorDocument(ctx, local);
  const me = ctx.getActorUri(handle);
  await sendToFollowers(
    app,
    handle,
    new Update({
      id: new URL(`#update/${randomUUID()}`, me),
      actor: me,
      object: actor,
      to: new URL('https://www.w3.org/ns/activitystreams#Public'),
    }),
    { orderingKey: me.href },
  );
}
