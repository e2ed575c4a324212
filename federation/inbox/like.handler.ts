import type { InboxContext } from '@fedify/fedify';
import type { Like } from '@fedify/vocab';
import { recordReaction, undoReaction } from '../../models/remote-posts.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { localPostId } from '../objects.ts';
import { drop } from './drop.ts';

/** Like of one of our posts (a "support"): counted once per actor. Likes of other objects are ignored. */
export async function onLike(ctx: InboxContext<AppContext>, like: Like): Promise<void> {
  if (!like.id || !like.actorId || !like.objectId) return drop(like, 'no id, actor or object');
  const postId = localPostId(ctx, like.objectId);
  if (!postId) return drop(like, 'not one of our posts');
  const result = await recordReaction(ctx.data.db, 'like', {
    postId,
    actorIri: like.actorId.href,
    activityIri: like.id.href,
  });
  if (!result.ok) return drop(like, result.reason);
}

/** Undo(Like), called by the Undo handler once it has checked that the Undo's actor is the Like's. */
export async function onUndoLike(ctx: InboxContext<AppContext>, like: Like): Promise<void> {
  if (!like.id || !like.actorId) return drop(like, 'no id or actor');
  const postId = like.objectId ? localPostId(ctx, like.objectId) : undefined;
  const result = await undoReaction(ctx.data.db, 'like', {
    actorIri: like.actorId.href,
    activityIri: like.id.href,
    postId,
  });
  if (!result.removed) return drop(like, 'no such like');
}
