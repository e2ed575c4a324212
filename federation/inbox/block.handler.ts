import type { InboxContext } from '@fedify/fedify';
import type { Block } from '@fedify/vocab';
import { findLocalActor, findRemoteActorByIri } from '../../models/federation.ops.ts';
import { removeInboundFollow, removeOutboundFollow } from '../../models/follows.ops.ts';
import { isDomainBlocked } from '../../models/instances.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { drop } from './drop.ts';

/** A remote actor blocks one of ours: the follows between them, both ways, end. */
export async function onBlock(ctx: InboxContext<AppContext>, block: Block): Promise<void> {
  const db = ctx.data.db;
  if (!block.actorId || !block.objectId) return drop(block, 'no actor or object');
  if (await isDomainBlocked(db, block.actorId.host)) return drop(block, 'blocked domain');
  const target = ctx.parseUri(block.objectId);
  if (target?.type !== 'actor') return drop(block, 'not one of our actors');
  const local = await findLocalActor(db, target.identifier);
  if (!local) return drop(block, 'unknown local actor');
  const remote = await findRemoteActorByIri(db, block.actorId.href);
  if (!remote) return drop(block, 'no relation with this actor');
  await removeInboundFollow(db, { remoteActorId: remote.id, activityIri: null, localActor: local.handle });
  await removeOutboundFollow(db, { localActor: local.handle, remoteActorId: remote.id });
}
