import type { InboxContext } from '@fedify/fedify';
import type { Accept } from '@fedify/vocab';
import { findRemoteActorByIri } from '../../models/federation.ops.ts';
import { acceptOutboundFollow } from '../../models/follows.ops.ts';
import { isDomainBlocked } from '../../models/instances.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { drop } from './drop.ts';

/**
 * Accept of one of our Follows. Matched by the Follow's id (`objectId`) and the accepting
 * actor; the embedded Follow is never re-fetched (DECISIONS D3).
 */
export async function onAccept(ctx: InboxContext<AppContext>, accept: Accept): Promise<void> {
  const db = ctx.data.db;
  if (!accept.actorId || !accept.objectId) return drop(accept, 'no actor or object');
  if (await isDomainBlocked(db, accept.actorId.host)) return drop(accept, 'blocked domain');
  const remote = await findRemoteActorByIri(db, accept.actorId.href);
  if (!remote) return drop(accept, 'from an actor we never followed');
  const result = await acceptOutboundFollow(db, accept.objectId.href, remote.id);
  if (!result.ok) return drop(accept, 'names no Follow of ours to this actor');
}
