import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  check,
  index,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { uuidv7 } from '../ids.ts';
import { personas } from './accounts.ts';
import { institutions } from './institutions.ts';

export const POST_VISIBILITIES = ['public', 'followers'] as const;
export type PostVisibility = (typeof POST_VISIBILITIES)[number];

/**
 * Posts, local and remote, in ONE table: a thread mixes both (a Mastodon reply under a town
 * hall post), and the home feed merges both, so one table gives one index per access path and
 * no UNION. Exactly one author column is set: a local persona, a local institution, or the IRI
 * of a remote actor (whose display name, handle and avatar live in the remote actor cache,
 * joined by IRI, so this table does not depend on how that cache is keyed).
 *
 * Local posts have no `iri`: their IRI is derived from the instance's public URL and the id,
 * so a change of domain does not leave stale IRIs behind. Remote posts keep the IRI they were
 * published under (unique: upserts from federation are idempotent by it).
 */
export const posts = pgTable(
  'posts',
  {
    id: uuid('id')
      .primaryKey()
      .$defaultFn(() => uuidv7()),
    authorPersonaId: uuid('author_persona_id').references(() => personas.id, { onDelete: 'cascade' }),
    authorInstitutionId: uuid('author_institution_id').references(() => institutions.id, {
      onDelete: 'cascade',
    }),
    authorActorIri: text('author_actor_iri'),
    iri: text('iri').unique(),
    /** The human-readable page of a remote post (its `url`), when it differs from the IRI. */
    url: text('url'),
    /** HTML: sanitised for remote posts, rendered from `source` (escaped) for local ones. */
    content: text('content').notNull(),
    /** The plain text a local author wrote; null for remote posts. */
    source: text('source'),
    language: text('language'),
    visibility: text('visibility').$type<PostVisibility>().notNull().default('public'),
    inReplyToId: uuid('in_reply_to_id').references((): AnyPgColumn => posts.id, { onDelete: 'set null' }),
    /** The parent's IRI when the parent is not stored here (a remote post we never received). */
    inReplyToIri: text('in_reply_to_iri'),
    published: timestamp('published', { withTimezone: true }).notNull().defaultNow(),
    updated: timestamp('updated', { withTimezone: true }),
    /** Set when the post was deleted: it then answers as a Tombstone and its content is emptied. */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check(
      'posts_one_author',
      sql`num_nonnulls(${t.authorPersonaId}, ${t.authorInstitutionId}, ${t.authorActorIri}) = 1`,
    ),
    check('posts_remote_has_iri', sql`(${t.authorActorIri} IS NULL) = (${t.iri} IS NULL)`),
    check('posts_visibility_check', sql`${t.visibility} IN ('public', 'followers')`),
    // Home feed and outbox: an author's posts, newest first.
    index('posts_persona_published_idx').on(t.authorPersonaId, t.published.desc(), t.id.desc()),
    index('posts_institution_published_idx').on(t.authorInstitutionId, t.published.desc(), t.id.desc()),
    index('posts_actor_published_idx').on(t.authorActorIri, t.published.desc(), t.id.desc()),
    // Public timeline.
    index('posts_published_idx').on(t.published.desc(), t.id.desc()),
    // Threads: the replies of a post, and replies that arrived before their parent.
    index('posts_in_reply_to_idx').on(t.inReplyToId),
    index('posts_in_reply_to_iri_idx').on(t.inReplyToIri),
  ],
);

/**
 * Likes (supports) and announces (shares) of our stored posts, by any actor, local or remote,
 * named by IRI. One per actor and post; the activity id is unique so that a redelivered
 * activity is stored once and an Undo can name it.
 */
export const postLikes = pgTable(
  'post_likes',
  {
    id: uuid('id')
      .primaryKey()
      .$defaultFn(() => uuidv7()),
    postId: uuid('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    actorIri: text('actor_iri').notNull(),
    activityIri: text('activity_iri').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('post_likes_post_actor_unique').on(t.postId, t.actorIri),
    uniqueIndex('post_likes_activity_unique').on(t.activityIri),
  ],
);

export const postAnnounces = pgTable(
  'post_announces',
  {
    id: uuid('id')
      .primaryKey()
      .$defaultFn(() => uuidv7()),
    postId: uuid('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    actorIri: text('actor_iri').notNull(),
    activityIri: text('activity_iri').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('post_announces_post_actor_unique').on(t.postId, t.actorIri),
    uniqueIndex('post_announces_activity_unique').on(t.activityIri),
  ],
);

export type Post = typeof posts.$inferSelect;
export type PostLike = typeof postLikes.$inferSelect;
export type PostAnnounce = typeof postAnnounces.$inferSelect;
