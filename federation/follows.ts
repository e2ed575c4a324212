import { randomUUID } from 'node:crypto';
import type { Federation } from '@fedify/fedify';
import { Follow, Undo } from '@fedify/vocab';
import {
  createOutboundFollow,
  type FollowWithActor,
  findOutboundFollow,
  findOutboundFollowByActivity,
  removeOutboundFollow,
} from '../models/follows.ops.ts';
import type { FollowRow } from '../models/schema/index.ts';
import type { AppContext } from '../server/context.ts';
import { FOLLOW_ACTIVITY_PATH } from './constants.ts';
import { federationContext, sendToActors } from './delivery.ts';
import { resolveRemoteActor } from './remote-actors.ts';

/**
 * Following remote actors. Our Follow activities have their own dereferenceable ids
 * (`/follows/{random}`), so a server can check the Follow an Accept refers to, and an
 * unfollow can Undo exactly that Follow.
 */
export function registerFollowObjects(federation: Federation<AppContext>): void {
  federation.setObjectDispatcher(Follow, FOLLOW_ACTIVITY_PATH, async (ctx, values) => {
    const iri = ctx.getObjectUri(Follow, values).href;
    const found = await findOutboundFollowByActivity(ctx.data.db, iri);
    return found ? followActivity(ctx.data, found.follow, found.actor.iri) : null;
  });
}

function followActivity(app: AppContext, follow: FollowRow, targetIri: string): Follow {
  const ctx = federationContext(app);
  return new Follow({
    id: new URL(follow.activityIri),
    actor: ctx.getActorUri(follow.localActor),
    object: new URL(targetIri),
  });
}

export type FollowRemoteResult =
  | { ok: true; follow: FollowWithActor; created: boolean }
  | { ok: false; reason: 'invalid-target' | 'blocked' | 'local' | 'not-found' | 'not-an-actor' };

/**
 * A local actor follows a remote one (by `@user@domain` or actor URL): stored as pending, the
 * Follow enqueued; the Accept, whenever it comes, makes it accepted. Following again re-sends.
 */
export async function followRemote(
  app: AppContext,
  localActor: string,
  target: string,
): Promise<FollowRemoteResult> {
  const ctx = federationContext(app);
  const resolved = await resolveRemoteActor(ctx, target);
  if (!resolved.ok) return resolved;
  const activityIri = ctx.getObjectUri(Follow, { id: randomUUID() }).href;
  const result = await createOutboundFollow(app.db, {
    localActor,
    remoteActorId: resolved.actor.id,
    activityIri,
  });
  const follow = result.follow;
  // A pending follow may have been lost on the way: sending it again is harmless (same id).
  if (result.ok || follow.state === 'pending') {
    await sendToActors(app, localActor, [resolved.actor], followActivity(app, follow, resolved.actor.iri), {
      orderingKey: `${localActor} ${resolved.actor.iri}`,
    });
  }
  return { ok: true, follow: { follow, actor: resolved.actor }, created: result.ok };
}

export type UnfollowResult = { ok: true } | { ok: false; reason: 'not-following' };

/** Stops following: the follow goes at once, and an Undo of the original Follow is enqueued. */
export async function unfollowRemote(
  app: AppContext,
  localActor: string,
  target: string,
): Promise<UnfollowResult> {
  const t = target.trim();
  const key = /^https?:\/\//i.test(t) ? { iri: t } : { handle: t.startsWith('@') ? t : `@${t}` };
  const found = await findOutboundFollow(app.db, localActor, key);
  if (!found) return { ok: false, reason: 'not-following' };
  const removed = await removeOutboundFollow(app.db, { localActor, remoteActorId: found.actor.id });
  if (!removed.ok) return { ok: false, reason: 'not-following' };
  const follow = followActivity(app, removed.follow, found.actor.iri);
  const me = federationContext(app).getActorUri(localActor);
  await sendToActors(
    app,
    localActor,
    [found.actor],
    new Undo({ id: new URL(`${removed.follow.activityIri}#undo`), actor: me, object: follow }),
    { orderingKey: `${localActor} ${found.actor.iri}` },
  );
  return { ok: true };
}
