import { and, desc, eq, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { isUuid } from './ids.ts';
import {
  type Author,
  authorPersona,
  baseQuery,
  followedIris,
  type PostView,
  toView,
} from './posts.queries.ts';
import { type Post, posts } from './schema/index.ts';

/**
 * Feeds and outboxes: lists of posts, newest first, paged by a cursor over (published, id) so
 * that pages stay stable while new posts arrive.
 */
/** Keyset paging over (published, id), newest first: stable while new posts arrive. */
export type Page = { items: PostView[]; next: string | null };

export function encodeCursor(view: { published: string; id: string }): string {
  return Buffer.from(`${view.published}|${view.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { published: Date; id: string } | undefined {
  const [published, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!published || !id || !isUuid(id)) return undefined;
  const date = new Date(published);
  return Number.isNaN(date.getTime()) ? undefined : { published: date, id };
}

async function page(
  db: Db,
  origin: URL,
  where: SQL | undefined,
  cursor: string | undefined,
  limit: number,
): Promise<Page> {
  const c = cursor ? decodeCursor(cursor) : undefined;
  const conditions = [isNull(posts.deletedAt), isNull(authorPersona.deletedAt), where];
  if (c)
    conditions.push(
      sql`(${posts.published}, ${posts.id}) < (${c.published.toISOString()}::timestamptz, ${c.id}::uuid)`,
    );
  const rows = await baseQuery(db)
    .where(and(...conditions))
    .orderBy(desc(posts.published), desc(posts.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map((r) => toView(origin, r));
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? encodeCursor(last) : null };
}

/** The home feed of a local actor: its own posts and those of the remote actors it follows. */
export function homeFeed(db: Db, origin: URL, viewer: Author, cursor?: string, limit = 20): Promise<Page> {
  const own =
    viewer.kind === 'persona'
      ? eq(posts.authorPersonaId, viewer.id)
      : eq(posts.authorInstitutionId, viewer.id);
  return page(
    db,
    origin,
    or(own, sql`${posts.authorActorIri} IN ${followedIris(viewer.handle)}`),
    cursor,
    limit,
  );
}

/** Public posts stored here, newest first; `localOnly` keeps this instance's own. */
export function publicTimeline(
  db: Db,
  origin: URL,
  options: { cursor?: string; limit?: number; localOnly?: boolean } = {},
): Promise<Page> {
  const where = and(
    eq(posts.visibility, 'public'),
    options.localOnly ? isNull(posts.authorActorIri) : undefined,
  );
  return page(db, origin, where, options.cursor, options.limit ?? 20);
}

/** An author's posts for its outbox (public only unless `includeFollowers`), newest first. */
export function authorPosts(
  db: Db,
  origin: URL,
  author: Author,
  options: { cursor?: string; limit?: number; includeFollowers?: boolean } = {},
): Promise<Page> {
  const own =
    author.kind === 'persona'
      ? eq(posts.authorPersonaId, author.id)
      : eq(posts.authorInstitutionId, author.id);
  const where = and(own, options.includeFollowers ? undefined : eq(posts.visibility, 'public'));
  return page(db, origin, where, options.cursor, options.limit ?? 20);
}

export async function countAuthorPosts(db: Db, author: Author): Promise<number> {
  const own =
    author.kind === 'persona'
      ? eq(posts.authorPersonaId, author.id)
      : eq(posts.authorInstitutionId, author.id);
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(posts)
    .where(and(own, isNull(posts.deletedAt), eq(posts.visibility, 'public')));
  return row?.n ?? 0;
}

/** An author's public posts as rows, newest first, for the ActivityPub outbox (keyset paging). */
export async function authorPostRows(
  db: Db,
  author: Author,
  cursor: string | undefined,
  limit: number,
): Promise<{ posts: Post[]; next: string | null }> {
  const c = cursor ? decodeCursor(cursor) : undefined;
  const own =
    author.kind === 'persona'
      ? eq(posts.authorPersonaId, author.id)
      : eq(posts.authorInstitutionId, author.id);
  const rows = await db
    .select()
    .from(posts)
    .where(
      and(
        own,
        isNull(posts.deletedAt),
        eq(posts.visibility, 'public'),
        c
          ? sql`(${posts.published}, ${posts.id}) < (${c.published.toISOString()}::timestamptz, ${c.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(posts.published), desc(posts.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const next =
    rows.length > limit && last
      ? encodeCursor({ published: last.published.toISOString(), id: last.id })
      : null;
  return { posts: items, next };
}
