import type { Context, Federation } from '@fedify/fedify';
import {
  Create,
  Delete,
  LanguageString,
  Mention,
  Note,
  PUBLIC_COLLECTION,
  Tombstone,
  Update,
} from '@fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';
import { findRemoteActorByIri } from '../models/federation.ops.ts';
import { authorHandle, findPostRow, type PostAuthorRef, publicReplyRows } from '../models/posts.queries.ts';
import { isRemoteFollowerOf } from '../models/remote-posts.ops.ts';
import type { Post } from '../models/schema/index.ts';
import type { AppContext } from '../server/context.ts';
import { INSTANCE_ACTOR } from './constants.ts';

/** Where our posts live: one URL serves the Note (ActivityPub) and the page (HTML). */
export const POST_PATH = '/posts/{id}';
/** The public replies of a post, so that other servers can fetch a thread they joined late. */
export const REPLIES_PATH = '/posts/{id}/replies';
const REPLIES = 'replies';

export function postUri(ctx: Context<AppContext>, id: string): URL {
  return ctx.getObjectUri(Note, { id });
}

/** The id of our post behind an IRI, or undefined when the IRI is not one of our posts. */
export function localPostId(ctx: Context<AppContext>, iri: URL): string | undefined {
  const parsed = ctx.parseUri(iri);
  if (parsed?.type !== 'object' || parsed.class !== Note) return undefined;
  return parsed.values.id;
}

/**
 * Fedify's types name the global `Temporal`, which Node 24 lacks at run time: the polyfill
 * provides the value, and its type is the same shape under another name.
 */
function instant(date: Date): globalThis.Temporal.Instant {
  return Temporal.Instant.fromEpochMilliseconds(date.getTime()) as unknown as globalThis.Temporal.Instant;
}

/**
 * The parent of a local post, as an IRI, with its author's IRI and `@user@host` name when we
 * know them (to address the reply and mention the author).
 */
async function parentOf(
  ctx: Context<AppContext>,
  post: Post,
): Promise<{ iri: URL; author: { iri: URL; name: string | undefined } | undefined } | undefined> {
  if (post.inReplyToIri) return { iri: new URL(post.inReplyToIri), author: undefined };
  if (!post.inReplyToId) return undefined;
  const parent = await findPostRow(ctx.data.db, post.inReplyToId);
  if (!parent) return undefined;
  if (parent.iri && parent.authorActorIri) {
    // Mastodon finds the mentioned account by `href`; the name is only shown, when we know it.
    const remote = await findRemoteActorByIri(ctx.data.db, parent.authorActorIri);
    return {
      iri: new URL(parent.iri),
      author: { iri: new URL(parent.authorActorIri), name: remote?.handle },
    };
  }
  const author = await authorHandle(ctx.data.db, parent);
  const host = new URL(ctx.canonicalOrigin).host;
  return {
    iri: postUri(ctx, parent.id),
    author: author ? { iri: ctx.getActorUri(author.handle), name: `@${author.handle}@${host}` } : undefined,
  };
}

/**
 * Who a local post is addressed to: public → Public + followers; followers-only → followers.
 * A reply also goes to the parent's author (in `cc`, and as `mention` for the Note's `tag`):
 * Mastodon notifies the author of a reply only when it is mentioned.
 */
export async function audience(
  ctx: Context<AppContext>,
  post: Post,
  author: PostAuthorRef,
): Promise<{ tos: URL[]; ccs: URL[]; parentAuthor: URL | undefined; mention: Mention | undefined }> {
  const followers = ctx.getFollowersUri(author.handle);
  const parent = await parentOf(ctx, post);
  const other =
    parent?.author && parent.author.iri.href !== ctx.getActorUri(author.handle).href
      ? parent.author
      : undefined;
  const extra = other ? [other.iri] : [];
  const mention = other ? new Mention({ href: other.iri, name: other.name ?? null }) : undefined;
  const parentAuthor = parent?.author?.iri;
  if (post.visibility === 'public')
    return { tos: [PUBLIC_COLLECTION], ccs: [followers, ...extra], parentAuthor, mention };
  return { tos: [followers], ccs: extra, parentAuthor, mention };
}

/** A local post as a Note. */
export async function buildNote(ctx: Context<AppContext>, post: Post, author: PostAuthorRef): Promise<Note> {
  const id = postUri(ctx, post.id);
  const { tos, ccs, mention } = await audience(ctx, post, author);
  const parent = await parentOf(ctx, post);
  return new Note({
    id,
    attribution: ctx.getActorUri(author.handle),
    tos,
    ccs,
    // With a language, both `content` and `contentMap` (Mastodon reads the language from the map).
    contents: post.language
      ? [post.content, new LanguageString(post.content, post.language)]
      : [post.content],
    replyTarget: parent?.iri ?? null,
    tags: mention ? [mention] : [],
    published: instant(post.published),
    updated: post.updated ? instant(post.updated) : null,
    url: id,
    replies: ctx.getCollectionUri(REPLIES, { id: post.id }),
  });
}

/** Activity ids are explicit and dereference to nothing secret: the object IRI plus a fragment. */
export function activityIds(ctx: Context<AppContext>, post: Post) {
  const note = postUri(ctx, post.id);
  return {
    create: new URL(`${note.href}#create`),
    update: new URL(`${note.href}#update-${(post.updated ?? post.published).getTime()}`),
    delete: new URL(`${note.href}#delete`),
  };
}

export async function buildCreate(
  ctx: Context<AppContext>,
  post: Post,
  author: PostAuthorRef,
): Promise<Create> {
  const note = await buildNote(ctx, post, author);
  return new Create({
    id: activityIds(ctx, post).create,
    actor: ctx.getActorUri(author.handle),
    tos: note.toIds,
    ccs: note.ccIds,
    object: note,
    published: instant(post.published),
  });
}

export async function buildUpdate(
  ctx: Context<AppContext>,
  post: Post,
  author: PostAuthorRef,
): Promise<Update> {
  const note = await buildNote(ctx, post, author);
  return new Update({
    id: activityIds(ctx, post).update,
    actor: ctx.getActorUri(author.handle),
    tos: note.toIds,
    ccs: note.ccIds,
    object: note,
    updated: post.updated ? instant(post.updated) : null,
  });
}

export async function buildDelete(
  ctx: Context<AppContext>,
  post: Post,
  author: PostAuthorRef,
): Promise<Delete> {
  const { tos, ccs } = await audience(ctx, post, author);
  return new Delete({
    id: activityIds(ctx, post).delete,
    actor: ctx.getActorUri(author.handle),
    tos,
    ccs,
    object: new Tombstone({
      id: postUri(ctx, post.id),
      deleted: post.deletedAt ? instant(post.deletedAt) : null,
    }),
  });
}

/**
 * `/posts/{id}` as ActivityPub: live posts of local authors. Public ones to anybody;
 * followers-only ones only to a signed fetch by an accepted follower of the author (401
 * otherwise). Deleted ones fall through to the web route, which answers 410 with a
 * Tombstone; HTML requests get the page (web/routes/posts.routes.ts).
 */
export function registerObjects(federation: Federation<AppContext>): void {
  federation
    .setObjectDispatcher(Note, POST_PATH, async (ctx, values) => {
      const post = await findPostRow(ctx.data.db, values.id);
      if (!post || post.deletedAt || post.authorActorIri !== null) return null;
      const author = await authorHandle(ctx.data.db, post);
      if (!author) return null;
      return buildNote(ctx, post, author);
    })
    .authorize(async (ctx, values) => {
      const post = await findPostRow(ctx.data.db, values.id);
      if (!post || post.visibility === 'public') return true;
      const author = await authorHandle(ctx.data.db, post);
      if (!author) return false;
      const owner = await ctx.getSignedKeyOwner({
        documentLoader: await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR }),
      });
      if (!owner?.id) return false;
      return isRemoteFollowerOf(ctx.data.db, author.handle, owner.id.href);
    });

  // One page, oldest first, at most 100 items: local replies as Notes, remote ones by their IRI.
  federation.setOrderedCollectionDispatcher(REPLIES, Note, REPLIES_PATH, async (ctx, values) => {
    const post = await findPostRow(ctx.data.db, values.id);
    if (!post || post.deletedAt || post.authorActorIri !== null || post.visibility !== 'public') return null;
    const items: Note[] = [];
    for (const reply of await publicReplyRows(ctx.data.db, post.id)) {
      if (reply.iri) {
        items.push(new Note({ id: new URL(reply.iri) }));
        continue;
      }
      const author = await authorHandle(ctx.data.db, reply);
      if (author) items.push(await buildNote(ctx, reply, author));
    }
    return { items };
  });
}
