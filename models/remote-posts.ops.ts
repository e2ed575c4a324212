import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { selectRows } from './db-driver.ts';
import { isUuid, uuidv7 } from './ids.ts';
import { findPostByIri, findPostRow } from './posts.queries.ts';
import {
  follows,
  type Post,
  type PostVisibility,
  postAnnounces,
  postLikes,
  posts,
  remoteActors,
} from './schema/index.ts';

/**
 * Posts, likes and announces arriving over federation. The federation layer has already
 * checked signatures, authorship and domain blocks and sanitised the HTML; here we store,
 * idempotently by IRI, so a redelivered activity changes nothing.
 */
export type RemotePostInput = {
  iri: string;
  authorActorIri: string;
  /** Sanitised HTML. */
  content: string;
  language: string | null;
  visibility: PostVisibility;
  /** The parent: one of our posts (the caller recognised our URL), or any IRI. */
  inReplyTo: { postId: string } | { iri: string } | null;
  url: string | null;
  published: Date;
  updated: Date | null;
  /** True when the post mentions one of our actors (a question to the town hall, say). */
  mentionsLocal?: boolean;
};

export type UpsertRemotePostResult =
  | { ok: true; post: Post; created: boolean }
  | { ok: false; reason: 'not-author' | 'deleted' | 'not-followed' };

/** True when some local actor follows (accepted) the remote actor. */
export async function isFollowedHere(db: Db, actorIri: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(follows)
    .innerJoin(remoteActors, eq(remoteActors.id, follows.remoteActorId))
    .where(
      and(eq(remoteActors.iri, actorIri), eq(follows.direction, 'outbound'), eq(follows.state, 'accepted')),
    )
    .limit(1);
  return row !== undefined;
}

/** True when the remote actor follows (accepted) the local actor `handle`: it may read its followers-only posts. */
export async function isRemoteFollowerOf(db: Db, handle: string, actorIri: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(follows)
    .innerJoin(remoteActors, eq(remoteActors.id, follows.remoteActorId))
    .where(
      and(
        eq(follows.localActor, handle),
        eq(remoteActors.iri, actorIri),
        eq(follows.direction, 'inbound'),
        eq(follows.state, 'accepted'),
      ),
    )
    .limit(1);
  return row !== undefined;
}

async function resolveParent(
  db: Db,
  inReplyTo: RemotePostInput['inReplyTo'],
): Promise<{ inReplyToId: string | null; inReplyToIri: string | null }> {
  if (!inReplyTo) return { inReplyToId: null, inReplyToIri: null };
  if ('postId' in inReplyTo) {
    const parent = await findPostRow(db, inReplyTo.postId);
    return parent
      ? { inReplyToId: parent.id, inReplyToIri: null }
      : { inReplyToId: null, inReplyToIri: null };
  }
  const parent = await findPostByIri(db, inReplyTo.iri);
  return parent
    ? { inReplyToId: parent.id, inReplyToIri: null }
    : { inReplyToId: null, inReplyToIri: inReplyTo.iri };
}

/**
 * Stores a remote post (Create) or refreshes it (a Create redelivered). A reply to one of our
 * posts joins that thread. Posts of actors nobody here follows are kept only when public and
 * replying to a post stored here or mentioning one of our actors: anything else would be
 * unsolicited (spam on the public timeline) or, when followers-only, readable by nobody here.
 */
export async function upsertRemotePost(db: Db, input: RemotePostInput): Promise<UpsertRemotePostResult> {
  const existing = await findPostByIri(db, input.iri);
  if (existing) {
    if (existing.authorActorIri !== input.authorActorIri) return { ok: false, reason: 'not-author' };
    if (existing.deletedAt) return { ok: false, reason: 'deleted' };
    return { ok: true, post: existing, created: false };
  }
  const parent = await resolveParent(db, input.inReplyTo);
  // Nobody here asked for posts of an actor nobody follows: keep them only when they answer a
  // post stored here (a thread we show), and never when followers-only (we cannot tell who may read them).
  if (!(await isFollowedHere(db, input.authorActorIri))) {
    const solicited = parent.inReplyToId !== null || input.mentionsLocal === true;
    if (input.visibility !== 'public' || !solicited) return { ok: false, reason: 'not-followed' };
  }
  const [inserted] = await db
    .insert(posts)
    .values({
      authorActorIri: input.authorActorIri,
      iri: input.iri,
      url: input.url,
      content: input.content,
      language: input.language,
      visibility: input.visibility,
      ...parent,
      published: input.published,
      updated: input.updated,
    })
    .onConflictDoNothing({ target: posts.iri })
    .returning();
  if (!inserted) {
    // Another worker stored the same IRI between our read and our insert.
    const row = await findPostByIri(db, input.iri);
    if (!row || row.authorActorIri !== input.authorActorIri) return { ok: false, reason: 'not-author' };
    return { ok: true, post: row, created: false };
  }
  // Replies that arrived before this post now hang under it.
  await db
    .update(posts)
    .set({ inReplyToId: inserted.id, inReplyToIri: null })
    .where(eq(posts.inReplyToIri, input.iri));
  return { ok: true, post: inserted, created: true };
}

export type RemoteChangeResult = { ok: true; post: Post } | { ok: false; reason: 'not-found' | 'not-author' };
export type RemoteUpdateResult = RemoteChangeResult | { ok: false; reason: 'stale' };

/**
 * Applies an Update: only the post's author may change it, and a deleted post stays deleted.
 * An Update dated no later than the version we hold is a late retry or a reordering (servers
 * retry failed deliveries for hours): it is refused, as Mastodon does, so an edit never goes back.
 */
export async function updateRemotePost(
  db: Db,
  input: { iri: string; actorIri: string; content: string; language: string | null; updated: Date | null },
): Promise<RemoteUpdateResult> {
  const existing = await findPostByIri(db, input.iri);
  if (!existing || existing.deletedAt) return { ok: false, reason: 'not-found' };
  if (existing.authorActorIri !== input.actorIri) return { ok: false, reason: 'not-author' };
  const newer = input.updated ? or(isNull(posts.updated), lt(posts.updated, input.updated)) : undefined;
  const [post] = await db
    .update(posts)
    .set({ content: input.content, language: input.language, updated: input.updated ?? new Date() })
    .where(and(eq(posts.id, existing.id), isNull(posts.deletedAt), newer))
    .returning();
  if (post) return { ok: true, post };
  return input.updated && existing.updated && existing.updated >= input.updated
    ? { ok: false, reason: 'stale' }
    : { ok: false, reason: 'not-found' };
}

/** Applies a Delete: the content goes, a tombstone stays so replies keep their place. */
export async function deleteRemotePost(
  db: Db,
  input: { iri: string; actorIri: string },
): Promise<RemoteChangeResult> {
  const existing = await findPostByIri(db, input.iri);
  if (!existing) return { ok: false, reason: 'not-found' };
  if (existing.authorActorIri !== input.actorIri) return { ok: false, reason: 'not-author' };
  if (existing.deletedAt) return { ok: true, post: existing };
  const [post] = await db
    .update(posts)
    .set({ content: '', deletedAt: new Date() })
    .where(eq(posts.id, existing.id))
    .returning();
  return { ok: true, post: post ?? existing };
}

export type ReactionKind = 'like' | 'announce';
const table = (kind: ReactionKind) => (kind === 'like' ? postLikes : postAnnounces);

export type RecordReactionResult = { ok: true; created: boolean } | { ok: false; reason: 'post-not-found' };

/**
 * Records a Like or Announce of one of our stored posts; once per actor and post, once per
 * activity id. One statement (an inbox burst is mostly these): the post is checked and the
 * reaction stored together.
 */
export async function recordReaction(
  db: Db,
  kind: ReactionKind,
  input: { postId: string; actorIri: string; activityIri: string },
): Promise<RecordReactionResult> {
  if (!isUuid(input.postId)) return { ok: false, reason: 'post-not-found' };
  const [row] = await selectRows<{ found: boolean; created: boolean }>(
    db,
    sql`WITH post AS (
          SELECT id FROM ${posts} WHERE id = ${input.postId}::uuid AND deleted_at IS NULL
        ), added AS (
          INSERT INTO ${table(kind)} (id, post_id, actor_iri, activity_iri)
          SELECT ${uuidv7()}::uuid, id, ${input.actorIri}, ${input.activityIri} FROM post
          ON CONFLICT DO NOTHING RETURNING id
        )
        SELECT EXISTS (SELECT 1 FROM post) AS found, EXISTS (SELECT 1 FROM added) AS created`,
  );
  if (!row?.found) return { ok: false, reason: 'post-not-found' };
  return { ok: true, created: row.created };
}

/**
 * Undoes a Like or Announce. Only the actor who sent it may: the activity is matched by its id
 * and its actor, or by actor and post when the Undo names an activity we never stored under that id.
 */
export async function undoReaction(
  db: Db,
  kind: ReactionKind,
  input: { actorIri: string; activityIri: string; postId?: string },
): Promise<{ ok: true; removed: boolean }> {
  const t = table(kind);
  let rows = await db
    .delete(t)
    .where(and(eq(t.activityIri, input.activityIri), eq(t.actorIri, input.actorIri)))
    .returning({ id: t.id });
  if (rows.length === 0 && input.postId) {
    rows = await db
      .delete(t)
      .where(and(eq(t.postId, input.postId), eq(t.actorIri, input.actorIri)))
      .returning({ id: t.id });
  }
  return { ok: true, removed: rows.length > 0 };
}

/**
 * A remote actor deleted itself: its posts go too (tombstones, so replies keep their place),
 * with their likes and announces. Returns how many posts were emptied.
 */
export async function deleteActorPosts(db: Db, actorIri: string): Promise<number> {
  const rows = await db
    .update(posts)
    .set({ content: '', deletedAt: new Date() })
    .where(and(eq(posts.authorActorIri, actorIri), isNull(posts.deletedAt)))
    .returning({ id: posts.id });
  await db.delete(postLikes).where(eq(postLikes.actorIri, actorIri));
  await db.delete(postAnnounces).where(eq(postAnnounces.actorIri, actorIri));
  return rows.length;
}
