import { eq, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { selectRows } from './db-driver.ts';
import {
  type ActorKey,
  accounts,
  actorKeys,
  handles,
  type Institution,
  institutions,
  knownInstances,
  type Persona,
  personas,
  type RemoteActor,
  remoteActors,
} from './schema/index.ts';

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

/**
 * What a remote actor's arrival records, in one statement: its cached copy (inserted or
 * refreshed) and its server's first/last seen (`touchInstance`); `newInstance` is true when the
 * server was new to us.
 */
export async function rememberRemoteActor(
  db: Db,
  input: RemoteActorInput,
): Promise<{ actor: RemoteActor; newInstance: boolean }> {
  const domain = new URL(input.iri).host;
  const now = new Date();
  const values = { ...input, domain, fetchedAt: now };
  const actor = db
    .$with('actor')
    .as(
      db
        .insert(remoteActors)
        .values(values)
        .onConflictDoUpdate({ target: remoteActors.iri, set: values })
        .returning(),
    );
  const instance = db.$with('instance').as(
    db
      .insert(knownInstances)
      .values({ domain, firstSeenAt: now, lastSeenAt: now })
      .onConflictDoUpdate({ target: knownInstances.domain, set: { lastSeenAt: now } })
      // A row version this statement inserted has no xmax yet; an updated one carries ours.
      .returning({ inserted: sql<boolean>`${knownInstances}.xmax = 0`.as('inserted') }),
  );
  const [row] = await db.with(actor, instance).select().from(actor).crossJoin(instance);
  return { actor: row!.actor, newInstance: row!.instance.inserted };
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

export type LocalActor =
  | { kind: 'persona'; handle: string; persona: Persona; suspended: boolean; deleted: boolean }
  | { kind: 'institution'; handle: string; institution: Institution; suspended: false; deleted: false };

/**
 * The local actor behind a handle, deleted personas included (they answer as tombstones).
 * `suspended` says whether the owning account is suspended; it never leaves the server.
 */
export async function findLocalActor(db: Db, handle: string): Promise<LocalActor | undefined> {
  const h = handle.toLowerCase();
  // One round trip whatever the kind: every persona and institution holds its row in `handles`.
  const [row] = await db
    .select({ persona: personas, suspendedAt: accounts.suspendedAt, institution: institutions })
    .from(handles)
    .leftJoin(personas, eq(personas.handle, handles.handle))
    .leftJoin(accounts, eq(accounts.id, personas.accountId))
    .leftJoin(institutions, eq(institutions.handle, handles.handle))
    .where(eq(handles.handle, h));
  if (row?.persona) {
    return {
      kind: 'persona',
      handle: h,
      persona: row.persona,
      suspended: row.suspendedAt !== null,
      deleted: row.persona.deletedAt !== null,
    };
  }
  if (row?.institution)
    return { kind: 'institution', handle: h, institution: row.institution, suspended: false, deleted: false };
  return undefined;
}

/** NodeInfo usage: local users (live personas and institutions), active ones, local posts. */
export async function nodeInfoUsage(
  db: Db,
): Promise<{ users: number; activeMonth: number; activeHalfyear: number; localPosts: number }> {
  const rows = await selectRows<{ users: number; month: number; halfyear: number; posts: number }>(
    db,
    sql`SELECT
      (SELECT count(*)::int FROM personas WHERE deleted_at IS NULL)
        + (SELECT count(*)::int FROM institutions) AS users,
      (SELECT count(DISTINCT coalesce(author_persona_id, author_institution_id))::int FROM posts
        WHERE author_actor_iri IS NULL AND published > now() - interval '30 days') AS month,
      (SELECT count(DISTINCT coalesce(author_persona_id, author_institution_id))::int FROM posts
        WHERE author_actor_iri IS NULL AND published > now() - interval '180 days') AS halfyear,
      (SELECT count(*)::int FROM posts WHERE author_actor_iri IS NULL AND deleted_at IS NULL) AS posts`,
  );
  const r = rows[0];
  return {
    users: r?.users ?? 0,
    activeMonth: r?.month ?? 0,
    activeHalfyear: r?.halfyear ?? 0,
    localPosts: r?.posts ?? 0,
  };
}
