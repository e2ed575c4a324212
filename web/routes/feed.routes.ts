import { Router } from 'express';
import { homeFeed } from '../../models/feeds.queries.ts';
import type { AppContext } from '../../server/context.ts';
import { pageContext } from '../context.ts';
import { requireSignedIn } from '../guards.ts';
import { html } from '../html.ts';
import { sendPage } from '../layout.ts';
import { postList } from '../views/posts.view.ts';
import { authorBadges } from './post-badges.ts';
import { viewerOf } from './post-form.ts';

/** `/feed`: the signed-in person's home feed, as their active persona (own posts and followed accounts). */
export function feedPages(ctx: AppContext): Router {
  const router = Router();

  router.get('/feed', requireSignedIn, async (req, res) => {
    const pc = await pageContext(ctx, req);
    const { t } = pc;
    const viewer = await viewerOf(ctx, req);
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const page = viewer ? await homeFeed(ctx.db, ctx.config.publicUrl, viewer, cursor) : undefined;
    sendPage(res, pc, {
      title: t('feed.title'),
      // A feed is personal: never in a search engine.
      noindex: true,
      body: html`<h1>${t('feed.title')}</h1>
        ${
          viewer && page
            ? html`<p>${t('feed.intro', { handle: viewer.handle })}</p>
              <ul class="actions">
                <li><a href="/">${t('composer.title')}</a></li>
                <li><a href="/settings/following">${t('following.link')}</a></li>
              </ul>
              ${postList(pc, page, { path: '/feed', under: 'h1', empty: t('feed.empty'), paged: cursor !== undefined, badges: await authorBadges(ctx, pc, page.items) })}`
            : html`<p>${t('feed.noPersona')}</p>`
        }`,
    });
  });

  return router;
}
