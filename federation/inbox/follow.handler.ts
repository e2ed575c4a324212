import { randomUUID } from 'node:crypto';
import type { InboxContext } from '@fedify/fedify';
import { Accept, Follow, isActor, Reject } from '@fedify/vocab';
import { findLocalActor } from '../../models/federation.ops.ts';
import { recordInboundFollow } from '../../models/follows.ops.ts';
import { isDomainBlocked } from '../../models/instances.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { INSTANCE_ACTOR } from '../constants.ts';
import { rememberActor } from '../remote-actors.ts';
import { drop } from './drop.ts';

/**
 * A remote actor follows one of ours: accepted at once (no manual approval), refused with a
 * Reject when the target is suspended or deleted. Servers we block get no answer at all.
 */
export async function onFollow(ctx: InboxContext<AppContext>, follow: Follow): Promise<void> {
  const db = ctx.data.db;
  if (!follow.id || !follow.actorId || !follow.objectId) return drop(follow, 'no id, actor or object');
  if (await isDomainBlocked(db, follow.actorId.host)) return drop(follow, 'blocked domain');
  const target = ctx.parseUri(follow.objectId);
  if (target?.type !== 'actor' || target.identifier === INSTANCE_ACTOR)
    return drop(follow, 'not one of our actors');
  const local = await findLocalActor(db, target.identifier);
  if (!local) return drop(follow, 'unknown local actor');
  const follower = await follow.getActor(ctx);
  if (!follower || !isActor(follower) || follower.id?.href !== follow.actorId.href) {
    return drop(follow, 'follower not resolvable');
  }
  const remote = await rememberActor(ctx, follower);
  if (!remote) return drop(follow, 'follower has no inbox');

  const me = ctx.getActorUri(local.handle);
  // The answer embeds the Follow as Mastodon does (actor and object as IRIs), not the follower's
  // whole actor document that `getActor` attached to it.
  const answered = new Follow({ id: follow.id, actor: follow.actorId, object: follow.objectId });
  if (local.suspended || local.deleted) {
    await ctx.sendActivity(
      { identifier: local.handle },
      follower,
      new Reject({ id: new URL(`#reject/${randomUUID()}`, me), actor: me, object: answered }),
      { preferSharedInbox: true },
    );
    return;
  }
  await recordInboundFollow(db, {
    localActor: local.handle,
    remoteActorId: remote.id,
    activityIri: follow.id.href,
  });
  await ctx.sendActivity(
    { identifier: local.handle },
    follower,
    new Accept({ id: new URL(`#accept/${randomUUID()}`, me), actor: me, object: answered }),
    { preferSharedInbox: true },
  );
}
