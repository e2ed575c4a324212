import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { type FollowRow, follows, type RemoteActor, remoteActors } from './schema/index.ts';

type FollowKey = { localActor: string; remoteActorId: string };

/**
 * A remote actor follows a local one. We accept at once (no manual approval), so the row is
 * stored accepted; a repeated Follow (a new activity id for the same pair) replaces the id.
 */
export async function recordInboundFollow(
  db: Db,
  input: FollowKey & { activityIri: string },
): Promise<FollowRow> {
  const values = {
    ...input,
    direction: 'inbound' as const,
    state: 'accepted' as const,
    acceptedAt: new Date(),
  };
  const [row] = await db
    .insert(follows)
    .values(values)
    .onConflictDoUpdate({
      target: [follows.localActor, follows.remoteActorId, follows.direction],
      set: { activityIri: input.activityIri, state: 'accepted', acceptedAt: values.acceptedAt },
    })
    .returning();
  return row!;
}

export type RemoveFollowResult = { ok: true; follow: FollowRow } | { ok: false; reason: 'not-found' };

/** Undo(Follow) from a remote actor: matched by the Follow's id, or by the pair when the id is unknown. */
export async function removeInboundFollow(
  db: Db,
  input: { remoteActorId: string; activityIri: string | null; localActor: string | null },
): Promise<RemoveFollowResult> {
  const byId = input.activityIri
    ? and(eq(follows.activityIri, input.activityIri), eq(follows.remoteActorId, input.remoteActorId))
    : undefined;
  const byPair = input.localActor
    ? and(eq(follows.localActor, input.localActor), eq(follows.remoteActorId, input.remoteActorId))
    : undefined;
  for (const where of [byId, byPair]) {
    if (!where) continue;
    const [row] = await db
      .delete(follows)
      .where(and(where, eq(follows.direction, 'inbound')))
      .returning();
    if (row) return { ok: true, follow: row };
  }
  return { ok: false, reason: 'not-found' };
}

export type CreateOutboundFollowResult =
  | { ok: true; follow: FollowRow }
  | { ok: false; reason: 'already-following'; follow: FollowRow };

/** A local actor asks to follow a remote one; pending until the remote server accepts. */
export async function createOutboundFollow(
  db: Db,
  input: FollowKey & { activityIri: string },
): Promise<CreateOutboundFollowResult> {
  const [row] = await db
    .insert(follows)
    .values({ ...input, direction: 'outbound', state: 'pending' })
    .onConflictDoNothing()
    .returning();
  if (row) return { ok: true, follow: row };
  const [existing] = await db
    .select()
    .from(follows)
    .where(
      and(
        eq(follows.localActor, input.localActor),
        eq(follows.remoteActorId, input.remoteActorId),
        eq(follows.direction, 'outbound'),
      ),
    );
  return { ok: false, reason: 'already-following', follow: existing! };
}

export type SettleFollowResult = { ok: true; follow: FollowRow } | { ok: false; reason: 'unknown-follow' };

/** Our Follow `activityIri`, sent to `remoteActorId` (never another actor's follow). */
function ourFollowTo(activityIri: string, remoteActorId: string) {
  return and(
    eq(follows.activityIri, activityIri),
    eq(follows.remoteActorId, remoteActorId),
    eq(follows.direction, 'outbound'),
  );
}

/**
 * Accept from the followed actor: matched by our Follow's id AND the accepting actor, so that
 * nobody else can accept a follow on its behalf.
 */
export async function acceptOutboundFollow(
  db: Db,
  activityIri: string,
  remoteActorId: string,
): Promise<SettleFollowResult> {
  const [row] = await db
    .update(follows)
    .set({ state: 'accepted', acceptedAt: new Date() })
    .where(ourFollowTo(activityIri, remoteActorId))
    .returning();
  return row ? { ok: true, follow: row } : { ok: false, reason: 'unknown-follow' };
}

/** Reject from the followed actor: the pending (or accepted) follow goes. */
export async function rejectOutboundFollow(
  db: Db,
  activityIri: string,
  remoteActorId: string,
): Promise<SettleFollowResult> {
  const [row] = await db.delete(follows).where(ourFollowTo(activityIri, remoteActorId)).returning();
  return row ? { ok: true, follow: row } : { ok: false, reason: 'unknown-follow' };
}

/** Unfollow: returns the removed follow so its Follow id can be undone remotely. */
export async function removeOutboundFollow(db: Db, key: FollowKey): Promise<RemoveFollowResult> {
  const [row] = await db
    .delete(follows)
    .where(
      and(
        eq(follows.localActor, key.localActor),
        eq(follows.remoteActorId, key.remoteActorId),
        eq(follows.direction, 'outbound'),
      ),
    )
    .returning();
  return row ? { ok: true, follow: row } : { ok: false, reason: 'not-found' };
}

export type FollowWithActor = { follow: FollowRow; actor: RemoteActor };

/** The remote actors on one side of a local actor's follows, oldest first. */
export async function listFollows(
  db: Db,
  localActor: string,
  direction: 'inbound' | 'outbound',
  options: { acceptedOnly?: boolean; limit?: number; offset?: number } = {},
): Promise<FollowWithActor[]> {
  const rows = await db
    .select({ follow: follows, actor: remoteActors })
    .from(follows)
    .innerJoin(remoteActors, eq(remoteActors.id, follows.remoteActorId))
    .where(
      and(
        eq(follows.localActor, localActor),
        eq(follows.direction, direction),
        options.acceptedOnly ? eq(follows.state, 'accepted') : undefined,
      ),
    )
    .orderBy(asc(follows.createdAt), asc(follows.id))
    .limit(options.limit ?? 10_000)
    .offset(options.offset ?? 0);
  return rows;
}

/** Accepted follows only: what the public counts show. */
export async function countFollows(
  db: Db,
  localActor: string,
  direction: 'inbound' | 'outbound',
): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(follows)
    .where(
      and(
        eq(follows.localActor, localActor),
        eq(follows.direction, direction),
        eq(follows.state, 'accepted'),
      ),
    );
  return row?.n ?? 0;
}

/** Local actors that follow (accepted) a given remote actor: who gets its posts in their feed. */
export async function localFollowersOf(db: Db, remoteActorIri: string): Promise<string[]> {
  const rows = await db
    .select({ localActor: follows.localActor })
    .from(follows)
    .innerJoin(remoteActors, eq(remoteActors.id, follows.remoteActorId))
    .where(
      and(
        eq(remoteActors.iri, remoteActorIri),
        eq(follows.direction, 'outbound'),
        eq(follows.state, 'accepted'),
      ),
    );
  return rows.map((r) => r.localActor);
}

/** One of our outgoing Follows by its activity IRI, with the followed actor. */
export async function findOutboundFollowByActivity(
  db: Db,
  activityIri: string,
): Promise<FollowWithActor | undefined> {
  const [row] = await db
    .select({ follow: follows, actor: remoteActors })
    .from(follows)
    .innerJoin(remoteActors, eq(remoteActors.id, follows.remoteActorId))
    .where(and(eq(follows.activityIri, activityIri), eq(follows.direction, 'outbound')));
  return row;
}

/** The outgoing follow of a local actor towards a remote actor named by IRI or `@user@domain`. */
export async function findOutboundFollow(
  db: Db,
  localActor: string,
  target: { iri: string } | { handle: string },
): Promise<FollowWithActor | undefined> {
  const match =
    'iri' in target
      ? eq(remoteActors.iri, target.iri)
      : sql`lower(${remoteActors.handle}) = lower(${target.handle})`;
  const [row] = await db
    .select({ follow: follows, actor: remoteActors })
    .from(follows)
    .innerJoin(remoteActors, eq(remoteActors.id, follows.remoteActorId))
    .where(and(eq(follows.localActor, localActor), eq(follows.direction, 'outbound'), match));
  return row;
}

/** Every follow of a local actor, both ways (after its deletion has been sent out). */
export async function removeAllFollowsOf(db: Db, localActor: string): Promise<number> {
  const rows = await db
    .delete(follows)
    .where(eq(follows.localActor, localActor))
    .returning({ id: follows.id });
  return rows.length;
}

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
