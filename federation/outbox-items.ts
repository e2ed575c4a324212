import type { Activity } from '@fedify/vocab';
import { authorPostRows, countAuthorPosts } from '../models/feeds.queries.ts';
import { findLocalAuthor } from '../models/posts.queries.ts';
import type { AppContext } from '../server/context.ts';
import { federationContext } from './delivery.ts';
import { buildCreate } from './objects.ts';

const PAGE_SIZE = 20;

/**
 * The activities of a local actor's outbox, newest first, one page at a time: a Create per
 * live public post. `cursor` is opaque ('' for the first page); `nextCursor: null` on the last.
 * Followers-only and deleted posts are not listed: the outbox is public.
 */
export async function outboxPage(
  app: AppContext,
  actor: string,
  cursor: string,
): Promise<{ items: Activity[]; nextCursor: string | null }> {
  const author = await findLocalAuthor(app.db, actor);
  if (!author) return { items: [], nextCursor: null };
  const page = await authorPostRows(app.db, author, cursor || undefined, PAGE_SIZE);
  const ctx = federationContext(app);
  const ref = { kind: author.kind, handle: author.handle };
  const items: Activity[] = [];
  for (const post of page.posts) items.push(await buildCreate(ctx, post, ref));
  return { items, nextCursor: page.next };
}

/** How many activities `outboxPage` lists in all. */
export async function outboxCount(app: AppContext, actor: string): Promise<number> {
  const author = await findLocalAuthor(app.db, actor);
  return author ? countAuthorPosts(app.db, author) : 0;
}
