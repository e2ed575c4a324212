import type { InboxContext } from '@fedify/fedify';
import { Announce, Follow, Like, type Undo } from '@fedify/vocab';
import { findRemoteActorByIri } from '../../models/federation.ops.ts';
import { removeInboundFollow } from '../../models/follows.ops.ts';
import { isDomainBlocked } from '../../models/instances.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { onUndoAnnounce } from './announce.handler.ts';
import { drop } from './drop.ts';
import { onUndoLike } from './like.handler.ts';

/**
 * Undo: of a Follow here; of a Like or an Announce by the posts code. In every case the Undo's
 * actor must be the undone activity's actor: nobody undoes somebody else's follow.
 */
export async function onUndo(ctx: InboxContext<AppContext>, undo: Undo): Promise<void> {
  const db = ctx.data.db;
  if (!undo.actorId || !undo.objectId) return drop(undo, 'no actor or object');
  if (await isDomainBlocked(db, undo.actorId.host)) return drop(undo, 'blocked domain');
  // Embedded objects come with the (signed) Undo; a bare id of a remote activity is not fetched.
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
