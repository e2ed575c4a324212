import { and, eq, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from './db.ts';
import { selectRows } from './db-driver.ts';
import { isUuid } from './ids.ts';
import {
  follows,
  institutions,
  type Post,
  personas,
  posts,
  type RemoteActor,
  remoteActors,
} from './schema/index.ts';

/** A local author: the persona or institution that publishes. `handle` names it in URLs and follows. */
export type Author = { kind: 'persona' | 'institution'; id: string; handle: string };
export type PostAuthorRef = { kind: 'persona' | 'institution'; handle: string };

/**
 * What anyone allowed to see a post gets. Built field by field: no persona or account id, so
 * nothing links a persona to its account or to another persona.
 */
export type PostView = {
  id: string;
  /** The ActivityPub IRI (ours for local posts). */
  iri: string;
  /** The page to link to. */
  url: string;
  local: boolean;
  author: {
    kind: 'persona' | 'institution' | 'remote';
    handle: string;
    displayName: string;
    avatarUrl: string | null;
    url: string;
  };
  content: string;
  language: string | null;
  visibility: 'public' | 'followers';
  inReplyTo: { id: string | null; iri: string } | null;
  published: string;
  updated: string | null;
  deleted: boolean;
  counts: { replies: number; likes: number; announces: number };
};

export async function findPostRow(db: Db, id: string): Promise<Post | undefined> {
  if (!isUuid(id)) return undefined;
  const [post] = await db.select().from(posts).where(eq(posts.id, id));
  return post;
}

export async function findPostByIri(db: Db, iri: string): Promise<Post | undefined> {
  const [post] = await db.select().from(posts).where(eq(posts.iri, iri));
  return post;
}

export async function authorHandle(db: Db, post: Post): Promise<PostAuthorRef | undefined> {
  if (post.authorPersonaId) {
    // A deleted persona's posts went with it: nothing is served or sent in its name any more.
    const [p] = await db
      .select({ handle: personas.handle })
      .from(personas)
      .where(and(eq(personas.id, post.authorPersonaId), isNull(personas.deletedAt)));
    return p && { kind: 'persona', handle: p.handle };
  }
  if (post.authorInstitutionId) {
    const [i] = await db
      .select({ handle: institutions.handle })
      .from(institutions)
      .where(eq(institutions.id, post.authorInstitutionId));
    return i && { kind: 'institution', handle: i.handle };
  }
  return undefined;
}

/** The IRIs of the remote actors a local actor follows (accepted). */
export function followedIris(viewerHandle: string): SQL {
  return sql`(SELECT ${remoteActors.iri} FROM ${follows} JOIN ${remoteActors} ON ${remoteActors.id} = ${follows.remoteActorId}
    WHERE ${follows.localActor} = ${viewerHandle} AND ${follows.direction} = 'outbound' AND ${follows.state} = 'accepted')`;
}

/**
 * Who may read a post: public ones anybody; followers-only ones their author, and the local
 * actors following a remote author (the author's server delivered it to them).
 */
export function visibleTo(viewer: Author | undefined): SQL {
  if (!viewer) return sql`${posts.visibility} = 'public'`;
  const own =
    viewer.kind === 'persona'
      ? eq(posts.authorPersonaId, viewer.id)
      : eq(posts.authorInstitutionId, viewer.id);
  return or(
    eq(posts.visibility, 'public'),
    own,
    sql`${posts.authorActorIri} IN ${followedIris(viewer.handle)}`,
  ) as SQL;
}

export const authorPersona = personas;
const select = {
  post: posts,
  personaHandle: authorPersona.handle,
  personaName: authorPersona.displayName,
  personaDeletedAt: authorPersona.deletedAt,
  institutionHandle: institutions.handle,
  institutionName: institutions.name,
  remoteHandle: remoteActors.handle,
  remoteName: remoteActors.displayName,
  remoteAvatar: remoteActors.avatarUrl,
  remoteUrl: remoteActors.url,
  parentId: sql<string | null>`(SELECT p2.id FROM posts p2 WHERE p2.id = ${posts.inReplyToId})`,
  parentIri: sql<string | null>`(SELECT p2.iri FROM posts p2 WHERE p2.id = ${posts.inReplyToId})`,
  replies: sql<number>`(SELECT count(*)::int FROM posts r WHERE r.in_reply_to_id = ${posts.id} AND r.deleted_at IS NULL)`,
  likes: sql<number>`(SELECT count(*)::int FROM post_likes l WHERE l.post_id = ${posts.id})`,
  announces: sql<number>`(SELECT count(*)::int FROM post_announces a WHERE a.post_id = ${posts.id})`,
};
type Row = {
  post: Post;
  personaHandle: string | null;
  personaName: string | null;
  personaDeletedAt: Date | null;
  institutionHandle: string | null;
  institutionName: string | null;
  remoteHandle: string | null;
  remoteName: string | null;
  remoteAvatar: string | null;
  remoteUrl: string | null;
  parentId: string | null;
  parentIri: string | null;
  replies: number;
  likes: number;
  announces: number;
};

export function baseQuery(db: Db) {
  return db
    .select(select)
    .from(posts)
    .leftJoin(authorPersona, eq(authorPersona.id, posts.authorPersonaId))
    .leftJoin(institutions, eq(institutions.id, posts.authorInstitutionId))
    .leftJoin(remoteActors, eq(remoteActors.iri, posts.authorActorIri));
}

export function localPostIri(origin: URL, id: string): string {
  return new URL(`/posts/${id}`, origin).href;
}

export function toView(origin: URL, r: Row): PostView {
  const p = r.post;
  const local = p.authorActorIri === null;
  const iri = local ? localPostIri(origin, p.id) : p.iri!;
  let author: PostView['author'];
  if (r.personaHandle !== null) {
    const url = new URL(`/@${r.personaHandle}`, origin).href;
    author = {
      kind: 'persona',
      handle: r.personaHandle,
      displayName: r.personaName ?? '',
      avatarUrl: null,
      url,
    };
  } else if (r.institutionHandle !== null) {
    const url = new URL(`/@${r.institutionHandle}`, origin).href;
    author = {
      kind: 'institution',
      handle: r.institutionHandle,
      displayName: r.institutionName ?? '',
      avatarUrl: null,
      url,
    };
  } else {
    const actorIri = p.authorActorIri ?? '';
    author = {
      kind: 'remote',
      handle: r.remoteHandle ?? actorIri,
      displayName: r.remoteName ?? '',
      avatarUrl: r.remoteAvatar,
      url: r.remoteUrl ?? actorIri,
    };
  }
  // A deleted persona's posts read as deleted: the erasure covers what it wrote.
  const deleted = p.deletedAt !== null || r.personaDeletedAt !== null;
  let inReplyTo: PostView['inReplyTo'] = null;
  if (r.parentId) inReplyTo = { id: r.parentId, iri: r.parentIri ?? localPostIri(origin, r.parentId) };
  else if (p.inReplyToIri) inReplyTo = { id: null, iri: p.inReplyToIri };
  return {
    id: p.id,
    iri,
    url: local ? iri : (p.url ?? iri),
    local,
    author,
    content: deleted ? '' : p.content,
    language: p.language,
    visibility: p.visibility,
    inReplyTo,
    published: p.published.toISOString(),
    updated: p.updated?.toISOString() ?? null,
    deleted,
    counts: { replies: r.replies, likes: r.likes, announces: r.announces },
  };
}

/** One post as `viewer` may see it (undefined when it does not exist or is hidden from them). */
export async function getPostView(
  db: Db,
  origin: URL,
  id: string,
  viewer?: Author,
): Promise<PostView | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await baseQuery(db).where(and(eq(posts.id, id), visibleTo(viewer)));
  return row && toView(origin, row);
}

export type Thread = { ancestors: PostView[]; post: PostView; descendants: PostView[] };

/**
 * A post with the chain of posts it answers and every reply below it, oldest first. Deleted
 * posts stay as tombstones (no content) so the replies under them keep their place.
 */
export async function getThread(
  db: Db,
  origin: URL,
  id: string,
  viewer?: Author,
): Promise<Thread | undefined> {
  const post = await getPostView(db, origin, id, viewer);
  if (!post) return undefined;
  const ancestors: PostView[] = [];
  let parent = post.inReplyTo?.id ?? null;
  // A bound against malicious cycles or absurdly deep chains.
  for (let depth = 0; parent && depth < 100; depth++) {
    const view = await getPostView(db, origin, parent, viewer);
    if (!view) break;
    ancestors.unshift(view);
    parent = view.inReplyTo?.id ?? null;
  }
  const ids = await selectRows<{ id: string }>(
    db,
    sql`WITH RECURSIVE tree(id, depth) AS (
      SELECT id, 1 FROM posts WHERE in_reply_to_id = ${id}::uuid
      UNION SELECT p.id, t.depth + 1 FROM posts p JOIN tree t ON p.in_reply_to_id = t.id WHERE t.depth < 100
    ) SELECT DISTINCT id FROM tree`,
  );
  let descendants: PostView[] = [];
  if (ids.length > 0) {
    const rows = await baseQuery(db)
      .where(
        and(
          inArray(
            posts.id,
            ids.map((r) => r.id),
          ),
          visibleTo(viewer),
        ),
      )
      .orderBy(posts.published, posts.id);
    descendants = rows.map((r) => toView(origin, r));
  }
  return { ancestors, post, descendants };
}

/** A local actor (persona or institution) by handle, as an author. */
export async function findLocalAuthor(db: Db, handle: string): Promise<Author | undefined> {
  const [p] = await db
    .select({ id: personas.id })
    .from(personas)
    .where(and(eq(personas.handle, handle), isNull(personas.deletedAt)));
  if (p) return { kind: 'persona', id: p.id, handle };
  const [i] = await db
    .select({ id: institutions.id })
    .from(institutions)
    .where(eq(institutions.handle, handle));
  return i && { kind: 'institution', id: i.id, handle };
}

/** Live public replies to a post (for its ActivityPub `replies` collection), oldest first. */
export async function publicReplyRows(db: Db, postId: string, limit = 100): Promise<Post[]> {
  const rows = await db
    .select({ post: posts })
    .from(posts)
    .leftJoin(authorPersona, eq(authorPersona.id, posts.authorPersonaId))
    .where(
      and(
        eq(posts.inReplyToId, postId),
        eq(posts.visibility, 'public'),
        isNull(posts.deletedAt),
        isNull(authorPersona.deletedAt),
      ),
    )
    .orderBy(posts.published, posts.id)
    .limit(limit);
  return rows.map((r) => r.post);
}

/**
 * The remote actors whose posts a local persona replied to. Its replies went to them, so its
 * deletion must reach them too, even when they neither follow it nor are followed by it.
 */
export async function repliedToActors(db: Db, personaId: string): Promise<RemoteActor[]> {
  const parent = alias(posts, 'parent');
  const parentAuthors = db
    .select({ iri: parent.authorActorIri })
    .from(posts)
    .innerJoin(parent, eq(parent.id, posts.inReplyToId))
    .where(eq(posts.authorPersonaId, personaId));
  return db.select().from(remoteActors).where(inArray(remoteActors.iri, parentAuthors));
}
