import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { type ActorKey, actorKeys, type RemoteActor, remoteActors } from './schema/index.ts';

/** The stored key pairs of a local actor (empty when none were generated yet). */
export async function findActorKeys(db: Db, actor: string): Promise<ActorKey[]> {
  return db.select().from(actorKeys).where(eq(actorKeys.actor, actor));
}

/**
 * Stores freshly generated key pairs unless another process stored some first, then returns
 * what is stored: two concurrent first requests end up with the same keys.
 */
export async function storeActorKeys(
  db: Db,
  actor: string,
  keys: { algorithm: 'rsa' | 'ed25519'; publicJwk: JsonWebKey; privateJwk: JsonWebKey }[],
): Promise<ActorKey[]> {
  for (const key of keys) {
    await db
      .insert(actorKeys)
      .values({ actor, ...key })
      .onConflictDoNothing();
  }
  return findActorKeys(db, actor);
}

export type RemoteActorInput = {
  iri: string;
  handle: string;
  type: string;
  displayName: string;
  summary: string;
  avatarUrl: string | null;
  url: string | null;
  inbox: string;
  sharedInbox: string | null;
};

/** Inserts or refreshes the cached copy of a remote actor. */
export async function upsertRemoteActor(db: Db, input: RemoteActorInput): Promise<RemoteActor> {
  const domain = new URL(input.iri).host;
  const values = { ...input, domain, fetchedAt: new Date() };
  const [row] = await db
    .insert(remoteActors)
    .values(values)
    .onConflictDoUpdate({ target: remoteActors.iri, set: values })
    .returning();
  return row!;
}

export async function findRemoteActorByIri(db: Db, iri: string): Promise<RemoteActor | undefined> {
  const [row] = await db.select().from(remoteActors).where(eq(remoteActors.iri, iri));
  return row;
}

/** A cached remote actor by `@user@domain` (case-insensitive). */
export async function findRemoteActorByHandle(db: Db, handle: string): Promise<RemoteActor | undefined> {
  const [row] = await db
    .select()
    .from(remoteActors)
    .where(sql`lower(${remoteActors.handle}) = lower(${handle})`)
    .limit(1);
  return row;
}

/** Forgets a remote actor that deleted itself; its follows go with it (cascade). */
export async function deleteRemoteActor(db: Db, iri: string): Promise<boolean> {
  const rows = await db
    .delete(remoteActors)
    .where(eq(remoteActors.iri, iri))
    .returning({ id: remoteActors.id });
  return rows.length > 0;
}

export async function countRemoteActors(db: Db, domain?: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(remoteActors)
    .where(domain ? and(eq(remoteActors.domain, domain)) : undefined);
  return row?.n ?? 0;
}
