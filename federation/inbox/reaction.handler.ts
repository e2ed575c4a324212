import type { InboxContext } from '@fedify/fedify';
import type { Announce, Like } from '@fedify/vocab';
import { recordReaction, undoReaction } from '../../models/remote-posts.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { localPostId } from '../objects.ts';
import { drop } from './drop.ts';

// Likes ("supports") and Announces (shares) of our posts are the same thing to us: a reaction
// counted once per actor. Reactions to other objects are ignored.

type Kind = 'like' | 'announce';

async function onReaction(
  ctx: InboxContext<AppContext>,
  kind: Kind,
  activity: Like | Announce,
): Promise<void> {
  if (!activity.id || !activity.actorId || !activity.objectId)
    return drop(activity, 'no id, actor or object');
  const postId = localPostId(ctx, activity.objectId);
  if (!postId) return drop(activity, 'not one of our posts');
  const result = await recordReaction(ctx.data.db, kind, {
    postId,
    actorIri: activity.actorId.href,
    activityIri: activity.id.href,
  });
  if (!result.ok) return drop(activity, result.reason);
}

/** Called by the Undo handler once it has checked that the Undo's actor is the reaction's. */
async function onUndoReaction(
  ctx: InboxContext<AppContext>,
  kind: Kind,
  activity: Like | Announce,
): Promise<void> {
  if (!activity.id || !activity.actorId) return drop(activity, 'no id or actor');
  const postId = activity.objectId ? localPostId(ctx, activity.objectId) : undefined;
  const result = await undoReaction(ctx.data.db, kind, {
    actorIri: activity.actorId.href,
    activityIri: activity.id.href,
    postId,
  });
  if (!result.removed) return drop(activity, `no such ${kind}`);
}

export const onLike = (ctx: InboxContext<AppContext>, like: Like) => onReaction(ctx, 'like', like);
export const onAnnounce = (ctx: InboxContext<AppContext>, announce: Announce) =>
  onReaction(ctx, 'announce', announce);
export const onUndoLike = (ctx: InboxContext<AppContext>, like: Like) => onUndoReaction(ctx, 'like', like);
export const onUndoAnnounce = (ctx: InboxContext<AppContext>, announce: Announce) =>
  onUndoReaction(ctx, 'announce', announce);
