import { and, eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import { follows, type RemoteActor, remoteActors } from './schema/index.ts';

/** What a delivery needs of a remote actor: where to post, and which server it is on. */
export type Recipient = Pick<RemoteActor, 'iri' | 'inbox' | 'sharedInbox' | 'domain'>;

/**
 * Every accepted follower of a local actor, as delivery recipients: all of them (no page
 * limit, an activity must reach each one) and only the columns a delivery uses, so that a
 * town hall with tens of thousands of followers costs one light query per activity.
 */
export async function listFollowerRecipients(db: Db, localActor: string): Promise<Recipient[]> {
  return db
    .select({
      iri: remoteActors.iri,
      inbox: remoteActors.inbox,
      sharedInbox: remoteActors.sharedInbox,
      domain: remoteActors.domain,
    })
    .from(follows)
    .innerJoin(remoteActors, eq(remoteActors.id, follows.remoteActorId))
    .where(
      and(
        eq(follows.localActor, localActor),
        eq(follows.direction, 'inbound'),
        eq(follows.state, 'accepted'),
      ),
    );
}
