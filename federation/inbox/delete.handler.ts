import type { InboxContext, RequestContext, UnverifiedActivityReason } from '@fedify/fedify';
import { type Activity, Delete } from '@fedify/vocab';
import { deleteRemoteActor } from '../../models/federation.ops.ts';
import { isDomainBlocked } from '../../models/instances.ops.ts';
import { deleteActorPosts } from '../../models/remote-posts.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { logger } from '../../server/logging.ts';
import { drop } from './drop.ts';
import { onDeleteNote } from './note.handler.ts';

const log = logger('federation', 'inbox');

/**
 * Delete: of an actor (the actor deletes itself) here — its cached copy and its follows go;
 * of an object (a Note) by the posts code.
 */
export async function onDelete(ctx: InboxContext<AppContext>, del: Delete): Promise<void> {
  const db = ctx.data.db;
  if (!del.actorId || !del.objectId) return drop(del, 'no actor or object');
  if (await isDomainBlocked(db, del.actorId.host)) return drop(del, 'blocked domain');
  if (del.objectId.href === del.actorId.href) {
    await deleteActorPosts(db, del.actorId.href);
    const removed = await deleteRemoteActor(db, del.actorId.href);
    if (!removed) return drop(del, 'actor was not cached');
    return;
  }
  return onDeleteNote(ctx, del);
}

/**
 * A deleted actor's keys can no longer be fetched (410 Gone), so its own Delete cannot be
 * verified. Its actor document being gone is the proof: forget it, and answer 202 so that its
 * server stops retrying. Any other unverified activity keeps Fedify's 401.
 */
export async function onUnverifiedDelete(
  ctx: RequestContext<AppContext>,
  activity: Activity,
  reason: UnverifiedActivityReason,
): Promise<Response | undefined> {
  if (
    !(activity instanceof Delete) ||
    !activity.actorId ||
    activity.objectId?.href !== activity.actorId.href
  ) {
    return undefined;
  }
  if (reason.type !== 'keyFetchError' || !('status' in reason.result) || reason.result.status !== 410) {
    return undefined;
  }
  await deleteActorPosts(ctx.data.db, activity.actorId.href);
  const removed = await deleteRemoteActor(ctx.data.db, activity.actorId.href);
  log.debug('Unverifiable Delete of gone actor {actor}: cached copy removed: {removed}', {
    actor: activity.actorId.href,
    removed,
  });
  return new Response(null, { status: 202 });
}
