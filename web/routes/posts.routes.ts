import { type Request, type Response, Router } from 'express';
import { deletePost, editPost, publishPost, resolveAuthor } from '../../models/posts.ops.ts';
import {
  type Author,
  authorHandle,
  findPostRow,
  getThread,
  localPostIri,
} from '../../models/posts.queries.ts';
import type { Post } from '../../models/schema/index.ts';
import type { AppContext } from '../../server/context.ts';
import { type PageContext, pageContext } from '../context.ts';
import { sendError } from '../errors.ts';
import type { FormErrors, FormValues } from '../forms.ts';
import { requireSignedIn } from '../guards.ts';
import { html } from '../html.ts';
import { csrfField, sendPage } from '../layout.ts';
import { composerForm, postArticle, postNotice } from '../views/posts.view.ts';
import { authorBadges } from './post-badges.ts';
import { publishError, readPostForm, viewerOf } from './post-form.ts';

function wantsActivityJson(req: Request): boolean {
  const accepted = req.accepts(['text/html', 'application/activity+json', 'application/ld+json']);
  return accepted === 'application/activity+json' || accepted === 'application/ld+json';
}

type FormState = { values: FormValues; errors: FormErrors; status: number };
const blankForm: FormState = { values: {}, errors: {}, status: 200 };

/**
 * `/posts/:id`: the page of a post with its thread, for browsers, with a reply form for
 * signed-in people and edit/delete for its author; ActivityPub clients get the Note from Fedify
 * before this route, and reach it only for a deleted post (410 + Tombstone) or one they may not
 * read (404).
 */
export function postPages(ctx: AppContext): Router {
  const router = Router();
  router.use(['/posts/:id/reply', '/posts/:id/edit', '/posts/:id/delete'], requireSignedIn);

  /**
   * The author the signed-in account may act as on this post: the persona that wrote it when the
   * account owns it, or the institution for an admin; undefined for anybody else.
   */
  async function actingAuthor(pc: PageContext, post: Post): Promise<Author | undefined> {
    if (!pc.account || post.authorActorIri !== null) return undefined;
    if (post.authorPersonaId) {
      const own = pc.personas.find((p) => p.id === post.authorPersonaId);
      return own && { kind: 'persona', id: own.id, handle: own.handle };
    }
    const ref = await authorHandle(ctx.db, post);
    if (ref?.kind !== 'institution') return undefined;
    const r = await resolveAuthor(ctx.db, pc.account.id, ref.handle);
    return r.ok ? r.author : undefined;
  }

  async function renderPost(req: Request<{ id: string }>, res: Response, pc: PageContext, reply = blankForm) {
    const { t } = pc;
    const thread = await getThread(ctx.db, ctx.config.publicUrl, req.params.id, await viewerOf(ctx, req));
    if (!thread) return sendError(res, pc, 'notFound');
    const { post } = thread;
    const row = await findPostRow(ctx.db, post.id);
    const mine = row && !post.deleted ? await actingAuthor(pc, row) : undefined;
    const title = `${t('post.by')} ${post.author.displayName || post.author.handle}`;
    const badges = await authorBadges(ctx, pc, [...thread.ancestors, post, ...thread.descendants]);
    const persona = pc.activePersona;
    const replyForm =
      post.deleted || !post.local
        ? ''
        : persona
          ? html`<section aria-labelledby="reply-title" class="reply-form">
              <h2 id="reply-title">${t('post.replyTitle')}</h2>
              <p class="hint">${t('post.replyAs', { name: persona.displayName, handle: persona.handle })}</p>
              ${composerForm(pc, {
                action: `/posts/${post.id}/reply`,
                idPrefix: 'reply',
                submit: t('post.replySubmit'),
                values: reply.values,
                errors: reply.errors,
                visibility: true,
              })}
            </section>`
          : pc.account
            ? ''
            : html`<p><a href="/login?next=${encodeURIComponent(`/posts/${post.id}`)}">${t('post.loginToReply')}</a></p>`;
    res.set('Vary', 'Accept');
    sendPage(res, pc, {
      status: reply.status !== 200 ? reply.status : post.deleted ? 410 : 200,
      title,
      hasErrors: Object.keys(reply.errors).length > 0,
      notice: postNotice(pc, req.query.done),
      // People are never indexed: only a thread of institutions' posts alone may be.
      noindex: [...thread.ancestors, post, ...thread.descendants].some(
        (p) => p.author.kind !== 'institution',
      ),
      body: html`
        <h1>${title}</h1>
        ${
          thread.ancestors.length > 0
            ? html`<section aria-labelledby="ancestors-heading" class="thread-ancestors">
              <h2 id="ancestors-heading">${t('post.inReplyTo')}</h2>
              ${thread.ancestors.map((p) => postArticle(pc, p, 'h3', { badges }))}
            </section>`
            : ''
        }
        ${postArticle(pc, post, 'main', { badges })}
        ${
          mine
            ? html`<nav class="post-actions" aria-label="${t('post.authorActions')}"><ul class="actions">
                <li><a href="/posts/${post.id}/edit">${t('post.edit')}</a></li>
                <li><a href="/posts/${post.id}/delete">${t('post.delete')}</a></li>
              </ul></nav>`
            : ''
        }
        ${replyForm}
        ${
          thread.descendants.length > 0
            ? html`<section aria-labelledby="replies-heading" class="thread-replies">
              <h2 id="replies-heading">${t('post.replies')} (${thread.descendants.length})</h2>
              ${thread.descendants.map((p) => postArticle(pc, p, 'h3', { badges }))}
            </section>`
            : ''
        }`,
    });
  }

  router.get('/posts/:id', async (req: Request<{ id: string }>, res: Response) => {
    if (wantsActivityJson(req)) {
      const post = await findPostRow(ctx.db, req.params.id);
      if (post?.deletedAt && post.authorActorIri === null) {
        res.status(410).type('application/activity+json');
        res.set('Vary', 'Accept');
        return void res.send(
          JSON.stringify({
            '@context': 'https://www.w3.org/ns/activitystreams',
            id: localPostIri(ctx.config.publicUrl, post.id),
            type: 'Tombstone',
            deleted: post.deletedAt.toISOString(),
          }),
        );
      }
      return void res.status(404).end();
    }
    await renderPost(req, res, await pageContext(ctx, req));
  });

  router.post('/posts/:id/reply', async (req: Request<{ id: string }>, res: Response) => {
    const pc = await pageContext(ctx, req);
    const form = readPostForm(pc, req.body);
    if (!form.ok) return renderPost(req, res, pc, { ...form, status: 400 });
    const author = await resolveAuthor(ctx.db, req.user!.id);
    if (!author.ok) {
      const errors = { _form: pc.t('composer.noPersona') };
      return renderPost(req, res, pc, { values: form.values, errors, status: 400 });
    }
    // The parent must be readable by the one replying (a followers-only post of somebody else is not).
    const thread = await getThread(ctx.db, ctx.config.publicUrl, req.params.id, author.author);
    if (!thread || thread.post.deleted || !thread.post.local) return sendError(res, pc, 'notFound');
    const result = await publishPost(ctx, author.author, {
      content: form.content,
      visibility: form.visibility,
      inReplyTo: { postId: thread.post.id },
    });
    if (!result.ok) {
      const errors = publishError(pc, result.reason);
      return renderPost(req, res, pc, { values: form.values, errors, status: 400 });
    }
    res.redirect(303, `/posts/${thread.post.id}?done=published`);
  });

  /** The post and the author acting on it, or a 404 page for anybody but its author. */
  async function ownPost(req: Request<{ id: string }>, res: Response, pc: PageContext) {
    const post = await findPostRow(ctx.db, req.params.id);
    const author = post && !post.deletedAt ? await actingAuthor(pc, post) : undefined;
    if (!post || !author) {
      sendError(res, pc, 'notFound');
      return undefined;
    }
    return { post, author };
  }

  function editPage(res: Response, pc: PageContext, post: Post, form: FormState) {
    const { t } = pc;
    sendPage(res, pc, {
      status: form.status,
      title: t('post.editTitle'),
      noindex: true,
      hasErrors: Object.keys(form.errors).length > 0,
      body: html`<h1>${t('post.editTitle')}</h1>
        ${composerForm(pc, {
          action: `/posts/${post.id}/edit`,
          idPrefix: 'edit',
          submit: t('form.save'),
          values: form.values,
          errors: form.errors,
          visibility: false,
        })}
        <p><a href="/posts/${post.id}">${t('post.back')}</a></p>`,
    });
  }

  router.get('/posts/:id/edit', async (req: Request<{ id: string }>, res: Response) => {
    const pc = await pageContext(ctx, req);
    const own = await ownPost(req, res, pc);
    if (!own) return;
    editPage(res, pc, own.post, { values: { content: own.post.source ?? '' }, errors: {}, status: 200 });
  });

  router.post('/posts/:id/edit', async (req: Request<{ id: string }>, res: Response) => {
    const pc = await pageContext(ctx, req);
    const own = await ownPost(req, res, pc);
    if (!own) return;
    const form = readPostForm(pc, req.body);
    if (!form.ok) return editPage(res, pc, own.post, { ...form, status: 400 });
    const result = await editPost(ctx, own.author, own.post.id, form.content);
    if (!result.ok) {
      if (result.reason === 'not-found') return sendError(res, pc, 'notFound');
      return editPage(res, pc, own.post, {
        values: form.values,
        errors: publishError(pc, result.reason),
        status: 400,
      });
    }
    res.redirect(303, `/posts/${own.post.id}?done=updated`);
  });

  function deletePage(res: Response, pc: PageContext, post: Post) {
    const { t } = pc;
    sendPage(res, pc, {
      title: t('post.deleteTitle'),
      noindex: true,
      body: html`<h1>${t('post.deleteTitle')}</h1>
        <blockquote class="post-content">${post.source ?? ''}</blockquote>
        <p>${t('post.deleteWarning')}</p>
        <form method="post" action="/posts/${post.id}/delete">
          ${csrfField(pc)}
          <input type="hidden" name="confirm" value="yes">
          <button type="submit" class="danger">${t('post.deleteConfirm')}</button>
        </form>
        <p><a href="/posts/${post.id}">${t('form.cancel')}</a></p>`,
    });
  }

  router.get('/posts/:id/delete', async (req: Request<{ id: string }>, res: Response) => {
    const pc = await pageContext(ctx, req);
    const own = await ownPost(req, res, pc);
    if (own) deletePage(res, pc, own.post);
  });

  router.post('/posts/:id/delete', async (req: Request<{ id: string }>, res: Response) => {
    const pc = await pageContext(ctx, req);
    const own = await ownPost(req, res, pc);
    if (!own) return;
    // The confirmation page sends confirm=yes; a bare POST only shows that page again.
    if (req.body?.confirm !== 'yes') return deletePage(res, pc, own.post);
    const result = await deletePost(ctx, own.author, own.post.id);
    if (!result.ok) return sendError(res, pc, 'notFound');
    res.redirect(303, '/?done=deleted');
  });

  return router;
}
