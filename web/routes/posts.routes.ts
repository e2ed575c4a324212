import { type Request, type Response, Router } from 'express';
import { resolveAuthor } from '../../models/posts.ops.ts';
import {
  type Author,
  findPostRow,
  getThread,
  localPostIri,
  type PostView,
} from '../../models/posts.queries.ts';
import type { AppContext } from '../../server/context.ts';
import { type PageContext, pageContext } from '../context.ts';
import { sendError } from '../errors.ts';
import { html, raw, type SafeHtml } from '../html.ts';
import { sendPage } from '../layout.ts';

/** The few words of this page, kept here until they join the shared translation files. */
const WORDS = {
  fr: {
    by: 'Message de',
    replies: 'Réponses',
    inReplyTo: 'En réponse à',
    deleted: 'Ce message a été supprimé.',
    edited: 'modifié',
    remote: 'voix du fédivers, non vérifiée',
    followersOnly: 'réservé aux abonné·es',
    counts: (n: { likes: number; announces: number }) => `${n.likes} soutien(s) · ${n.announces} partage(s)`,
  },
  en: {
    by: 'Post by',
    replies: 'Replies',
    inReplyTo: 'In reply to',
    deleted: 'This post was deleted.',
    edited: 'edited',
    remote: 'fediverse voice, unverified',
    followersOnly: 'followers only',
    counts: (n: { likes: number; announces: number }) => `${n.likes} support(s) · ${n.announces} share(s)`,
  },
} as const;

function wantsActivityJson(req: Request): boolean {
  const accepted = req.accepts(['text/html', 'application/activity+json', 'application/ld+json']);
  return accepted === 'application/activity+json' || accepted === 'application/ld+json';
}

function postArticle(pc: PageContext, post: PostView, level: 'main' | 'item'): SafeHtml {
  const w = WORDS[pc.lang];
  const a = post.author;
  const when = new Date(post.published);
  // The page's h1 already names the main post's author; posts around it are h3 under an h2.
  const name = html`<a href="${a.url}">${a.displayName || a.handle}</a>`;
  const heading =
    level === 'main' ? html`<p class="post-author">${name}</p>` : html`<h3 class="post-author">${name}</h3>`;
  return html`<article class="post"${post.language ? html` lang="${post.language}"` : ''}>
    <header>
      ${heading}
      <p class="handle">${a.kind === 'remote' ? a.handle : `@${a.handle}`}
        ${a.kind === 'remote' ? html` <span class="badge-unverified">${w.remote}</span>` : ''}</p>
      <p class="post-meta"><a href="${post.local ? `/posts/${post.id}` : post.url}"><time datetime="${post.published}">${when.toLocaleString(pc.lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })}</time></a>
        ${post.updated ? html` · ${w.edited}` : ''}
        ${post.visibility === 'followers' ? html` · ${w.followersOnly}` : ''}</p>
    </header>
    ${
      post.deleted
        ? html`<p class="post-deleted">${w.deleted}</p>`
        : // Stored HTML is safe by construction: escaped text for local posts, sanitised on arrival for remote ones.
          html`<div class="post-content">${raw(post.content)}</div>`
    }
    <footer class="post-counts">${w.counts(post.counts)}</footer>
  </article>`;
}

/**
 * `/posts/:id`: the page of a post with its thread, for browsers; ActivityPub clients get the
 * Note from Fedify before this route, and reach it only for a deleted post (410 + Tombstone)
 * or one they may not read (404).
 */
export function postPages(ctx: AppContext): Router {
  const router = Router();

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
    const pc = await pageContext(ctx, req);
    let viewer: Author | undefined;
    if (req.user) {
      const r = await resolveAuthor(ctx.db, req.user.id);
      if (r.ok) viewer = r.author;
    }
    const thread = await getThread(ctx.db, ctx.config.publicUrl, req.params.id, viewer);
    if (!thread) return sendError(res, pc, 'notFound');
    const w = WORDS[pc.lang];
    const { post } = thread;
    const title = `${w.by} ${post.author.displayName || post.author.handle}`;
    res.set('Vary', 'Accept');
    sendPage(res, pc, {
      status: post.deleted ? 410 : 200,
      title,
      // People are never indexed; only institutions' posts may be.
      noindex: post.author.kind !== 'institution',
      body: html`
        <h1>${title}</h1>
        ${
          thread.ancestors.length > 0
            ? html`<section aria-labelledby="ancestors-heading" class="thread-ancestors">
              <h2 id="ancestors-heading">${w.inReplyTo}</h2>
              ${thread.ancestors.map((p) => postArticle(pc, p, 'item'))}
            </section>`
            : ''
        }
        ${postArticle(pc, post, 'main')}
        ${
          thread.descendants.length > 0
            ? html`<section aria-labelledby="replies-heading" class="thread-replies">
              <h2 id="replies-heading">${w.replies} (${thread.descendants.length})</h2>
              ${thread.descendants.map((p) => postArticle(pc, p, 'item'))}
            </section>`
            : ''
        }`,
    });
  });

  return router;
}
