import { type Request, Router } from 'express';
import { authorPosts } from '../../models/feeds.queries.ts';
import { findInstitutionByHandle } from '../../models/institutions.ops.ts';
import { findPersonaByHandle, publicPersonaView } from '../../models/personas.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { type PageContext, pageContext, townLang } from '../context.ts';
import { sendError } from '../errors.ts';
import { html } from '../html.ts';
import { sendPage } from '../layout.ts';
import { successNotice } from '../notice.ts';
import { publicBadgeList } from '../views/badges.view.ts';
import { postList } from '../views/posts.view.ts';

/**
 * Public pages of local actors at /@handle. A persona's page shows only its public view (never
 * the account, the e-mail or the account's other personas) and stays out of search engines
 * unless the persona opted in.
 */
export function profilePages(ctx: AppContext): Router {
  const router = Router();
  // Where federation serves the actor (ADR 0003); the page links it for fediverse software.
  const actorUrl = (handle: string) => new URL(`/users/${handle}`, ctx.config.publicUrl).href;

  /** The actor's public posts, newest first, paged; only its own, so nothing links to anybody else. */
  async function postsSection(
    req: Request,
    pc: PageContext,
    author: { kind: 'persona' | 'institution'; id: string; handle: string },
  ) {
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const page = await authorPosts(ctx.db, ctx.config.publicUrl, author, { cursor });
    return html`<section aria-labelledby="posts-title" class="profile-posts">
      <h2 id="posts-title">${pc.t('profile.posts')}</h2>
      ${postList(pc, page, { path: `/@${author.handle}`, under: 'h2', empty: pc.t('profile.noPosts'), paged: cursor !== undefined })}
    </section>`;
  }

  router.get('/@:handle', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const { t } = pc;
    const handle = req.params.handle.toLowerCase();
    const persona = await findPersonaByHandle(ctx.db, handle);
    if (!persona) {
      const institution = await findInstitutionByHandle(ctx.db, handle);
      if (!institution) return sendError(res, pc, 'notFound');
      return sendPage(res, pc, {
        title: institution.name,
        actorUrl: actorUrl(institution.handle),
        body: html`<article class="profile" aria-labelledby="profile-name">
          <h1 id="profile-name"${townLang(pc)}>${institution.name}</h1>
          <p class="handle">@${institution.handle}</p>
          <p><span class="badge-institution">${t('profile.institutional')}</span></p>
          ${institution.description ? html`<p class="bio"${townLang(pc)}>${institution.description}</p>` : ''}
        </article>
        ${await postsSection(req, pc, { kind: 'institution', id: institution.id, handle: institution.handle })}`,
      });
    }

    // Only the public view reaches the template: nothing tied to the account can be printed.
    const p = await publicPersonaView(ctx.db, persona, { lang: pc.lang });
    // After the wallet's answer (?badge=added): said only to the persona's owner, who sees the badge.
    const owner = pc.personas.some((own) => own.id === persona.id);
    const added = owner && req.query.badge === 'added' && p.badges.length > 0;
    sendPage(res, pc, {
      title: p.displayName,
      noindex: !persona.indexable,
      actorUrl: actorUrl(p.handle),
      notice: added ? successNotice(t('badges.added')) : undefined,
      body: html`<article class="profile" aria-labelledby="profile-name">
        <h1 id="profile-name">${p.displayName}</h1>
        <p class="handle">@${p.handle}</p>
        ${p.bio ? html`<p class="bio">${p.bio}</p>` : ''}
        <dl class="profile-facts">
          <dt>${t('profile.district')}</dt>
          <dd>${
            p.district
              ? html`${p.district.name} ${
                  p.district.verified
                    ? html`<span class="badge-verified">${t('profile.verified')}</span>`
                    : html`<span class="badge-unverified">${t('profile.unverified')}</span>`
                }`
              : t('profile.noDistrict')
          }</dd>
        </dl>
        ${publicBadgeList(pc, p.handle, p.badges)}
        <p class="hint">${t('profile.pseudonymNote')}</p>
      </article>
      ${await postsSection(req, pc, { kind: 'persona', id: persona.id, handle: persona.handle })}`,
    });
  });

  return router;
}
