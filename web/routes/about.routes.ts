import { Router } from 'express';
import type { AppContext } from '../../server/context.ts';
import { pageContext } from '../context.ts';
import { html } from '../html.ts';
import type { MessageKey } from '../i18n/index.ts';
import { sendPage } from '../layout.ts';

/** Each section of the privacy page: a heading and its paragraphs. */
const PRIVACY_SECTIONS: { id: string; title: MessageKey; paragraphs: MessageKey[] }[] = [
  { id: 'visible', title: 'privacy.visible.title', paragraphs: ['privacy.visible.p1', 'privacy.visible.p2'] },
  { id: 'private', title: 'privacy.private.title', paragraphs: ['privacy.private.p1', 'privacy.private.p2'] },
  { id: 'pseudonyms', title: 'privacy.pseudonyms.title', paragraphs: ['privacy.pseudonyms.p1'] },
  { id: 'search', title: 'privacy.search.title', paragraphs: ['privacy.search.p1'] },
  {
    id: 'federation',
    title: 'privacy.federation.title',
    paragraphs: ['privacy.federation.p1', 'privacy.federation.p2'],
  },
  { id: 'badges', title: 'privacy.badges.title', paragraphs: ['privacy.badges.p1', 'privacy.badges.p2'] },
  { id: 'limits', title: 'privacy.limits.title', paragraphs: ['privacy.limits.p1'] },
  { id: 'rights', title: 'privacy.rights.title', paragraphs: ['privacy.rights.p1'] },
];

/** /about/privacy: what others can and cannot see, in plain language. */
export function aboutPages(ctx: AppContext): Router {
  const router = Router();

  router.get('/about/privacy', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const { t } = pc;
    sendPage(res, pc, {
      title: t('privacy.title'),
      body: html`<h1>${t('privacy.title')}</h1>
        <p class="lead">${t('privacy.intro')}</p>
        <nav aria-labelledby="privacy-toc" class="toc">
          <h2 id="privacy-toc">${t('privacy.toc')}</h2>
          <ul>${PRIVACY_SECTIONS.map((s) => html`<li><a href="#${s.id}">${t(s.title)}</a></li>`)}</ul>
        </nav>
        ${PRIVACY_SECTIONS.map(
          (s) => html`<section id="${s.id}" aria-labelledby="${s.id}-title">
            <h2 id="${s.id}-title">${t(s.title)}</h2>
            ${s.paragraphs.map((p) => html`<p>${t(p)}</p>`)}
          </section>`,
        )}`,
    });
  });

  return router;
}
