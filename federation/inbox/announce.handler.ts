import type { InboxContext } from '@fedify/fedify';
import type { Announce } from '@fedify/vocab';
import { recordReaction, undoReaction } from '../../models/remote-posts.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { localPostId } from '../objects.ts';
import { drop } from './drop.ts';

/** Announce (a share) of one of our posts: counted once per actor. Boosts of other posts are ignored. */
export async function onAnnounce(ctx: InboxContext<AppContext>, announce: Announce): Promise<void> {
  if (!announce.id || !announce.actorId || !announce.objectId)
    return drop(announce, 'no id, actor or object');
  const postId = localPostId(ctx, announce.objectId);
  if (!postId) return drop(announce, 'not one of our posts');
  const result = await recordReaction(ctx.data.db, 'announce', {
    postId,
    actorIri: announce.actorId.href,
    activityIri: announce.id.href,
  });
  if (!result.ok) return drop(announce, result.reason);
}

/** Undo(Announce), called by the Undo handler once it has checked that the Undo's actor is the Announce's. */
export async function onUndoAnnounce(ctx: InboxContext<AppContext>, announce: Announce): Promise<void> {
  if (!announce.id || !announce.actorId) return drop(announce, 'no id or actor');
  const postId = announce.objectId ? localPostId(ctx, announce.objectId) : undefined;
  const result = await undoReaction(ctx.data.db, 'announce', {
    actorIri: announce.actorId.href,
    activityIri: announce.id.href,
    postId,
  });
  if (!result.removed) return drop(announce, 'no such announce');
}
