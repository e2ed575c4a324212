import type { Response } from 'express';
import { z } from 'zod';
import { decodeCursor, homeFeed, publicTimeline } from '../../models/feeds.queries.ts';
import { isUuid } from '../../models/ids.ts';
import { MAX_POST_LENGTH } from '../../models/post-text.ts';
import {
  deletePost,
  editPost,
  publishPost,
  type ReplyTarget,
  resolveAuthor,
} from '../../models/posts.ops.ts';
import { type Author, getPostView, getThread } from '../../models/posts.queries.ts';
import type { Account } from '../../models/schema/index.ts';
import { POST_VISIBILITIES } from '../../models/schema/index.ts';
import { Handle } from '../../models/validation.ts';
import type { AppContext } from '../context.ts';
import { sendProblem } from '../problem.ts';
import { type ApiRoute, assertNever, defineRoute } from './registry.ts';

const PostViewSchema = z.object({
  id: z.string(),
  iri: z.string().describe('the ActivityPub id'),
  url: z.string().describe('the page to link to'),
  local: z.boolean(),
  author: z.object({
    kind: z.enum(['persona', 'institution', 'remote']),
    handle: z.string(),
    displayName: z.string(),
    avatarUrl: z.string().nullable(),
    url: z.string(),
  }),
  content: z.string().describe('HTML, already safe (escaped for local posts, sanitised for remote ones)'),
  language: z.string().nullable(),
  visibility: z.enum(POST_VISIBILITIES),
  inReplyTo: z.object({ id: z.string().nullable(), iri: z.string() }).nullable(),
  published: z.string(),
  updated: z.string().nullable(),
  deleted: z.boolean(),
  counts: z.object({ replies: z.number(), likes: z.number(), announces: z.number() }),
});
const PageSchema = z.object({ items: z.array(PostViewSchema), next: z.string().nullable() });
const ThreadSchema = z.object({
  ancestors: z.array(PostViewSchema),
  post: PostViewSchema,
  descendants: z.array(PostViewSchema),
});

const Content = z
  .string()
  .max(MAX_POST_LENGTH * 2, { error: `must be at most ${MAX_POST_LENGTH} characters` });
const PublishBody = z.object({
  content: Content,
  visibility: z.enum(POST_VISIBILITIES).default('public'),
  inReplyTo: z
    .string()
    .trim()
    .refine((v) => isUuid(v) || /^https?:\/\/\S+$/i.test(v), { error: 'a post id or an http(s) IRI' })
    .optional()
    .describe('id of a post here, or the IRI of a remote post'),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { error: 'a BCP 47 language tag' })
    .optional(),
  as: Handle.optional().describe('handle of an institution to publish for (admins)'),
});
const EditBody = z.object({ content: Content, as: Handle.optional() });
const IdParams = z.object({ id: z.uuid({ error: 'not a post id' }) });
const AsQuery = z.object({ as: Handle.optional() });
const PageQuery = z.object({
  cursor: z
    .string()
    .max(200)
    .refine((v) => decodeCursor(v) !== undefined, { error: 'not a cursor from a previous page' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
const PublicQuery = PageQuery.extend({
  local: z.enum(['true', 'false']).optional().describe('only this instance’s posts'),
});

const contentError = (reason: 'empty' | 'too-long') => ({
  errors: [
    {
      field: 'content',
      message: reason === 'empty' ? 'is required' : `must be at most ${MAX_POST_LENGTH} characters`,
    },
  ],
});

/** `/posts` (publish, edit, delete, read, thread) and `/feed/home`, `/feed/public`. */
export function postsRoutes(ctx: AppContext): ApiRoute[] {
  const origin = ctx.config.publicUrl;

  /** The author the request speaks as (403/409 answered here when it cannot). */
  const speaker = async (res: Response, account: Account, as?: string): Promise<Author | undefined> => {
    const r = await resolveAuthor(ctx.db, account.id, as);
    if (r.ok) return r.author;
    switch (r.reason) {
      case 'forbidden':
        sendProblem(res, 403, 'Forbidden', { detail: 'You may not publish for this institution.' });
        return undefined;
      case 'no-persona':
        sendProblem(res, 409, 'No active persona', { detail: 'Choose a persona to publish with.' });
        return undefined;
      default:
        return assertNever(r.reason);
    }
  };

  /** The reader: the account's active persona when logged in, nobody otherwise. */
  const viewer = async (account: Account | undefined): Promise<Author | undefined> => {
    if (!account) return undefined;
    const r = await resolveAuthor(ctx.db, account.id);
    return r.ok ? r.author : undefined;
  };

  const replyTarget = (value: string | undefined): ReplyTarget | null => {
    if (!value) return null;
    if (isUuid(value)) return { postId: value };
    const url = new URL(value);
    const local = /^\/posts\/([0-9a-f-]{36})$/i.exec(url.pathname);
    if (url.origin === origin.origin && local?.[1]) return { postId: local[1] };
    return { iri: url.href };
  };

  return [
    defineRoute({
      method: 'post',
      path: '/posts',
      summary: 'Publish a post as the active persona (or for an institution)',
      description: 'Returns at once; delivery to followers on other servers happens in the background.',
      tags: ['posts'],
      auth: 'session',
      body: PublishBody,
      responses: {
        201: { description: 'The new post', schema: PostViewSchema },
        409: 'The account has no active persona',
        422: 'The post replied to does not exist',
      },
      handler: async ({ body, account, res }) => {
        const author = await speaker(res, account, body.as);
        if (!author) return;
        const result = await publishPost(ctx, author, {
          content: body.content,
          visibility: body.visibility,
          language: body.language ?? null,
          inReplyTo: replyTarget(body.inReplyTo),
        });
        if (!result.ok) {
          switch (result.reason) {
            case 'empty':
            case 'too-long':
              return sendProblem(res, 400, 'Invalid request', contentError(result.reason));
            case 'parent-not-found':
              return sendProblem(res, 422, 'Cannot reply', {
                errors: [{ field: 'inReplyTo', message: 'no such post' }],
              });
            default:
              return assertNever(result.reason);
          }
        }
        const view = await getPostView(ctx.db, origin, result.post.id, author);
        res
          .status(201)
          .location(view?.iri ?? '')
          .json(view);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/posts/:id',
      summary: 'Edit one of your posts (federated as an Update)',
      tags: ['posts'],
      auth: 'session',
      params: IdParams,
      body: EditBody,
      responses: {
        200: { description: 'The edited post', schema: PostViewSchema },
        404: 'No such post of yours',
      },
      handler: async ({ params, body, account, res }) => {
        const author = await speaker(res, account, body.as);
        if (!author) return;
        const result = await editPost(ctx, author, params.id, body.content);
        if (!result.ok) {
          switch (result.reason) {
            case 'empty':
            case 'too-long':
              return sendProblem(res, 400, 'Invalid request', contentError(result.reason));
            case 'not-found':
              return sendProblem(res, 404, 'Not found');
            default:
              return assertNever(result.reason);
          }
        }
        res.json(await getPostView(ctx.db, origin, result.post.id, author));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/posts/:id',
      summary: 'Delete one of your posts (federated as a Delete with a Tombstone)',
      tags: ['posts'],
      auth: 'session',
      params: IdParams,
      query: AsQuery,
      responses: { 204: 'Deleted', 404: 'No such post of yours' },
      handler: async ({ params, query, account, res }) => {
        const author = await speaker(res, account, query.as);
        if (!author) return;
        const result = await deletePost(ctx, author, params.id);
        if (!result.ok) return sendProblem(res, 404, 'Not found');
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/posts/:id',
      summary: 'A post',
      tags: ['posts'],
      auth: 'public',
      params: IdParams,
      responses: {
        200: { description: 'The post', schema: PostViewSchema },
        404: 'No such post (or not visible to you)',
        410: 'The post was deleted',
      },
      handler: async ({ params, account, res }) => {
        const view = await getPostView(ctx.db, origin, params.id, await viewer(account));
        if (!view) return sendProblem(res, 404, 'Not found');
        if (view.deleted) return sendProblem(res, 410, 'Gone', { detail: 'This post was deleted.' });
        res.json(view);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/posts/:id/context',
      summary: 'A post with the posts it answers and all replies below it',
      tags: ['posts'],
      auth: 'public',
      params: IdParams,
      responses: { 200: { description: 'The thread', schema: ThreadSchema }, 404: 'No such post' },
      handler: async ({ params, account, res }) => {
        const thread = await getThread(ctx.db, origin, params.id, await viewer(account));
        if (!thread) return sendProblem(res, 404, 'Not found');
        res.json(thread);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/feed/home',
      summary:
        'Home feed of the active persona (or an institution): its posts and those of the accounts it follows',
      tags: ['posts'],
      auth: 'session',
      query: PageQuery.extend({ as: Handle.optional().describe('handle of an institution (admins)') }),
      responses: {
        200: { description: 'A page, newest first', schema: PageSchema },
        409: 'No active persona',
      },
      handler: async ({ query, account, res }) => {
        const author = await speaker(res, account, query.as);
        if (!author) return;
        res.json(await homeFeed(ctx.db, origin, author, query.cursor, query.limit));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/feed/public',
      summary: 'Public posts known to this instance, newest first',
      tags: ['posts'],
      auth: 'public',
      query: PublicQuery,
      responses: { 200: { description: 'A page, newest first', schema: PageSchema } },
      handler: async ({ query, res }) => {
        res.json(
          await publicTimeline(ctx.db, origin, {
            cursor: query.cursor,
            limit: query.limit,
            localOnly: query.local === 'true',
          }),
        );
      },
    }),
  ];
}
