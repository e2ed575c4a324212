import type { InboxContext } from '@fedify/fedify';
import type { Reject } from '@fedify/vocab';
import { findRemoteActorByIri } from '../../models/federation.ops.ts';
import { rejectOutboundFollow } from '../../models/follows.ops.ts';
import { isDomainBlocked } from '../../models/instances.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { drop } from './drop.ts';

/** Reject of one of our Follows (refused, or a follower removed): the follow goes. */
export async function onReject(ctx: InboxContext<AppContext>, reject: Reject): Promise<void> {
  const db = ctx.data.db;
  if (!reject.actorId || !reject.objectId) return drop(reject, 'no actor or object');
  if (await isDomainBlocked(db, reject.actorId.host)) return drop(reject, 'blocked domain');
  const remote = await findRemoteActorByIri(db, reject.actorId.href);
  if (!remote) return drop(reject, 'from an actor we never followed');
  const result = await rejectOutboundFollow(db, reject.objectId.href, remote.id);
  if (!result.ok) return drop(reject, 'names no Follow of ours to this actor');
}
