import type { InboxContext } from '@fedify/fedify';
import { Announce, Follow, Like, type Undo } from '@fedify/vocab';
import { findRemoteActorByIri } from '../../models/federation.ops.ts';
import { removeInboundFollow } from '../../models/follows.ops.ts';
import { isDomainBlocked } from '../../models/instances.ops.ts';
import { undoReaction } from '../../models/remote-posts.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { drop } from './drop.ts';
import { onUndoAnnounce, onUndoLike } from './reaction.handler.ts';

/**
 * Undo: of a Follow here; of a Like or an Announce by the posts code. In every case the Undo's
 * actor must be the undone activity's actor: nobody undoes somebody else's follow.
 */
export async function onUndo(ctx: InboxContext<AppContext>, undo: Undo): Promise<void> {
  const db = ctx.data.db;
  if (!undo.actorId) return drop(undo, 'no actor');
  if (await isDomainBlocked(db, undo.actorId.host)) return drop(undo, 'blocked domain');
  // Some servers name the undone activity by its id only. It is not fetched (it may be gone, or
  // the id may dereference to something else): an activity of this very actor that we stored
  // under that id is enough. Embedded activities with an id end here too.
  if (undo.objectId && (await undoStoredActivity(db, undo.actorId, undo.objectId))) return;
  // Otherwise the embedded object (a Follow without id, say) is matched on its contents.
  const object = await undo.getObject({ ...ctx, suppressError: true }).catch(() => null);
  if (!object) return drop(undo, 'undone activity not embedded');
  if (!(object instanceof Follow || object instanceof Like || object instanceof Announce)) {
    return drop(undo, `cannot undo a ${object.constructor.name}`);
  }
  if (object.actorId?.href !== undo.actorId.href) return drop(undo, "undoes another actor's activity");

  if (object instanceof Follow) {
    const remote = await findRemoteActorByIri(db, undo.actorId.href);
    if (!remote) return drop(undo, 'unknown follower');
    const target = object.objectId ? ctx.parseUri(object.objectId) : null;
    const result = await removeInboundFollow(db, {
      remoteActorId: remote.id,
      activityIri: object.id?.href ?? null,
      localActor: target?.type === 'actor' ? target.identifier : null,
    });
    if (!result.ok) return drop(undo, 'no such follow');
    return;
  }
  if (object instanceof Like) return onUndoLike(ctx, object);
  return onUndoAnnounce(ctx, object);
}

/** Removes the Like, Announce or inbound Follow that `actor` sent under the id `activity`, if any. */
async function undoStoredActivity(db: AppContext['db'], actor: URL, activity: URL): Promise<boolean> {
  for (const kind of ['like', 'announce'] as const) {
    const result = await undoReaction(db, kind, { actorIri: actor.href, activityIri: activity.href });
    if (result.removed) return true;
  }
  const remote = await findRemoteActorByIri(db, actor.href);
  if (!remote) return false;
  const result = await removeInboundFollow(db, {
    remoteActorId: remote.id,
    activityIri: activity.href,
    localActor: null,
  });
  return result.ok;
}
