import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from './db.ts';
import type { DomainEvents } from './events.ts';
import { MAX_POST_LENGTH, renderPlainText } from './post-text.ts';
import { type Author, findPostRow } from './posts.queries.ts';
import {
  type Account,
  accounts,
  institutions,
  type Post,
  type PostVisibility,
  personas,
  posts,
} from './schema/index.ts';

type Ctx = { db: Db; events: DomainEvents };

/**
 * Who speaks: the account's active persona, or an institution when `asInstitution` names one
 * and the account may speak for it (admins for now; agents with mandates later).
 */
export type ResolveAuthorResult =
  | { ok: true; author: Author }
  | { ok: false; reason: 'no-persona' | 'forbidden' };

export async function resolveAuthor(
  db: Db,
  accountId: string,
  asInstitution?: string,
): Promise<ResolveAuthorResult> {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId));
  if (!account || account.suspendedAt) return { ok: false, reason: 'forbidden' };
  if (asInstitution) return resolveInstitution(db, account, asInstitution);
  if (!account.activePersonaId) return { ok: false, reason: 'no-persona' };
  const [persona] = await db
    .select()
    .from(personas)
    .where(and(eq(personas.id, account.activePersonaId), isNull(personas.deletedAt)));
  if (!persona) return { ok: false, reason: 'no-persona' };
  return { ok: true, author: { kind: 'persona', id: persona.id, handle: persona.handle } };
}

async function resolveInstitution(db: Db, account: Account, handle: string): Promise<ResolveAuthorResult> {
  if (account.role !== 'admin') return { ok: false, reason: 'forbidden' };
  const [institution] = await db.select().from(institutions).where(eq(institutions.handle, handle));
  if (!institution) return { ok: false, reason: 'forbidden' };
  return { ok: true, author: { kind: 'institution', id: institution.id, handle: institution.handle } };
}

/** The parent of a reply: a post stored here (by id), or a remote object by IRI. */
export type ReplyTarget = { postId: string } | { iri: string };

export type PublishInput = {
  content: string;
  visibility: PostVisibility;
  language?: string | null;
  inReplyTo?: ReplyTarget | null;
};
export type PublishResult =
  | { ok: true; post: Post }
  | { ok: false; reason: 'empty' | 'too-long' | 'parent-not-found' };

/** Publishes a post by `author`; federation follows from the `post.published` event. */
export async function publishPost(ctx: Ctx, author: Author, input: PublishInput): Promise<PublishResult> {
  const source = input.content.trim();
  if (!source) return { ok: false, reason: 'empty' };
  if (source.length > MAX_POST_LENGTH) return { ok: false, reason: 'too-long' };
  let inReplyToId: string | null = null;
  let inReplyToIri: string | null = null;
  if (input.inReplyTo && 'postId' in input.inReplyTo) {
    const parent = await findPostRow(ctx.db, input.inReplyTo.postId);
    if (!parent || parent.deletedAt) return { ok: false, reason: 'parent-not-found' };
    inReplyToId = parent.id;
  } else if (input.inReplyTo) {
    const [parent] = await ctx.db.select().from(posts).where(eq(posts.iri, input.inReplyTo.iri));
    if (parent && !parent.deletedAt) inReplyToId = parent.id;
    else if (parent) return { ok: false, reason: 'parent-not-found' };
    else inReplyToIri = input.inReplyTo.iri;
  }
  const [post] = await ctx.db
    .insert(posts)
    .values({
      authorPersonaId: author.kind === 'persona' ? author.id : null,
      authorInstitutionId: author.kind === 'institution' ? author.id : null,
      content: renderPlainText(source),
      source,
      language: input.language ?? null,
      visibility: input.visibility,
      inReplyToId,
      inReplyToIri,
    })
    .returning();
  await ctx.events.emit({ type: 'post.published', postId: post!.id });
  return { ok: true, post: post! };
}

function isAuthor(post: Post, author: Author): boolean {
  return author.kind === 'persona'
    ? post.authorPersonaId === author.id
    : post.authorInstitutionId === author.id;
}

export type EditResult = { ok: true; post: Post } | { ok: false; reason: 'not-found' | 'empty' | 'too-long' };

/** Edits a local post's text. Only its author may; anybody else gets `not-found`, as if it did not exist. */
export async function editPost(
  ctx: Ctx,
  author: Author,
  postId: string,
  content: string,
): Promise<EditResult> {
  const source = content.trim();
  if (!source) return { ok: false, reason: 'empty' };
  if (source.length > MAX_POST_LENGTH) return { ok: false, reason: 'too-long' };
  const existing = await findPostRow(ctx.db, postId);
  if (!existing || existing.deletedAt || !isAuthor(existing, author))
    return { ok: false, reason: 'not-found' };
  const [post] = await ctx.db
    .update(posts)
    .set({ source, content: renderPlainText(source), updated: new Date() })
    .where(and(eq(posts.id, postId), isNull(posts.deletedAt)))
    .returning();
  if (!post) return { ok: false, reason: 'not-found' };
  await ctx.events.emit({ type: 'post.updated', postId: post.id });
  return { ok: true, post };
}

export type DeleteResult = { ok: true } | { ok: false; reason: 'not-found' };

/**
 * Deletes a local post: its text goes, its row stays as a tombstone (the object URL answers 410
 * Gone and replies keep their place in the thread), and a Delete is federated.
 */
export async function deletePost(ctx: Ctx, author: Author, postId: string): Promise<DeleteResult> {
  const existing = await findPostRow(ctx.db, postId);
  if (!existing || existing.deletedAt || !isAuthor(existing, author))
    return { ok: false, reason: 'not-found' };
  const rows = await ctx.db
    .update(posts)
    .set({ source: null, content: '', deletedAt: new Date() })
    .where(and(eq(posts.id, postId), isNull(posts.deletedAt)))
    .returning({ id: posts.id });
  if (rows.length === 0) return { ok: false, reason: 'not-found' };
  await ctx.events.emit({ type: 'post.deleted', postId });
  return { ok: true };
}
