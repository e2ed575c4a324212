import { type Request, type Response, Router } from 'express';
import { publicTimeline } from '../../models/feeds.queries.ts';
import { publicPersonaView } from '../../models/personas.ops.ts';
import { publishPost, resolveAuthor } from '../../models/posts.ops.ts';
import { listDistricts } from '../../models/territory.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { type PageContext, pageContext, townLang } from '../context.ts';
import type { FormErrors, FormValues } from '../forms.ts';
import { requireSignedIn } from '../guards.ts';
import { html } from '../html.ts';
import { sendPage } from '../layout.ts';
import { composerForm, postList, postNotice } from '../views/posts.view.ts';
import { authorBadges } from './post-badges.ts';
import { publishError, readPostForm, speakableInstitutions } from './post-form.ts';

/** The home page and the list of districts. */
export function homePages(ctx: AppContext): Router {
  const router = Router();

  /** The home page: who you are, the composer, the public timeline (paged), the districts. */
  async function renderHome(
    req: Request,
    res: Response,
    pc: PageContext,
    form: { values: FormValues; errors: FormErrors; status: number } = {
      values: {},
      errors: {},
      status: 200,
    },
  ) {
    const { t } = pc;
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const [districts, timeline] = await Promise.all([
      listDistricts(ctx.db),
      publicTimeline(ctx.db, ctx.config.publicUrl, { cursor }),
    ]);
    const persona = pc.activePersona ? await publicPersonaView(ctx.db, pc.activePersona) : undefined;
    const welcome = persona
      ? html`<section class="card" aria-labelledby="me-title">
          <h2 id="me-title">${t('home.you')}</h2>
          <p><strong>${persona.displayName}</strong> <span class="handle">@${persona.handle}</span></p>
          ${persona.district ? html`<p>${t('profile.district')}${t('form.colon')}${persona.district.name} <span class="badge-unverified">${t('profile.unverified')}</span></p>` : ''}
          <ul class="actions">
            <li><a href="/feed">${t('feed.link')}</a></li>
            <li><a href="/@${persona.handle}">${t('home.viewProfile')}</a></li>
            <li><a href="/settings/following">${t('following.link')}</a></li>
            <li><a href="/settings/personas">${t('nav.personas')}</a></li>
          </ul>
        </section>`
      : html`<section class="card" aria-labelledby="join-title">
          <h2 id="join-title">${t('home.join')}</h2>
          <p>${t('home.joinText')}</p>
          <ul class="actions">
            <li><a class="button" href="/signup">${t('nav.signup')}</a></li>
            <li><a href="/login">${t('nav.login')}</a></li>
          </ul>
        </section>`;
    // The composer only on the first page: an older page is for reading.
    const composer =
      persona && !cursor
        ? html`<section aria-labelledby="composer-title">
            <h2 id="composer-title">${t('composer.title')}</h2>
            <p class="hint">${t('composer.as', { name: persona.displayName, handle: persona.handle })}</p>
            ${composerForm(pc, {
              action: '/posts',
              idPrefix: 'compose',
              submit: t('composer.submit'),
              values: form.values,
              errors: form.errors,
              visibility: true,
              institutions: await speakableInstitutions(ctx, pc),
            })}
          </section>`
        : '';
    sendPage(res, pc, {
      status: form.status,
      title: pc.instance.name,
      // People are never indexed: the page stays out of search engines while it shows their posts.
      noindex: timeline.items.some((p) => p.author.kind !== 'institution'),
      hasErrors: Object.keys(form.errors).length > 0,
      notice: postNotice(pc, req.query.done),
      body: html`<h1>${pc.instance.name}</h1>
        ${pc.instance.description ? html`<p class="lead"${townLang(pc)}>${pc.instance.description}</p>` : ''}
        ${welcome}
        ${composer}
        <section aria-labelledby="timeline-title">
          <h2 id="timeline-title">${t('timeline.title')}</h2>
          <p>${t('timeline.intro')}</p>
          ${postList(pc, timeline, { path: '/', under: 'h2', empty: t('timeline.empty'), paged: cursor !== undefined, badges: await authorBadges(ctx, pc, timeline.items) })}
        </section>
        <section aria-labelledby="districts-title">
          <h2 id="districts-title">${t('districts.title')}</h2>
          ${
            districts.length
              ? html`<ul class="district-list"${townLang(pc)}>${districts.map((d) => html`<li>${d.name}</li>`)}</ul>`
              : html`<p>${t('districts.none')}</p>`
          }
        </section>`,
    });
  }

  router.get('/', async (req, res) => {
    await renderHome(req, res, await pageContext(ctx, req));
  });

  /** The composer: a new post as the active persona (or, for admins, an institution). */
  router.post('/posts', requireSignedIn, async (req, res) => {
    const pc = await pageContext(ctx, req);
    const form = readPostForm(pc, req.body);
    if (!form.ok) return renderHome(req, res, pc, { ...form, status: 400 });
    const author = await resolveAuthor(ctx.db, req.user!.id, form.as);
    if (!author.ok) {
      const errors: FormErrors =
        author.reason === 'forbidden'
          ? { as: pc.t('field.as.forbidden') }
          : { _form: pc.t('composer.noPersona') };
      return renderHome(req, res, pc, { values: form.values, errors, status: 400 });
    }
    const result = await publishPost(ctx, author.author, {
      content: form.content,
      visibility: form.visibility,
    });
    if (!result.ok) {
      return renderHome(req, res, pc, {
        values: form.values,
        errors: publishError(pc, result.reason),
        status: 400,
      });
    }
    res.redirect(303, `/posts/${result.post.id}?done=published`);
  });

  router.get('/districts', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const { t } = pc;
    const districts = await listDistricts(ctx.db);
    sendPage(res, pc, {
      title: t('districts.title'),
      body: html`<h1>${t('districts.title')}</h1>
        <p>${t('districts.intro')}</p>
        ${
          districts.length
            ? html`<ul class="district-list"${townLang(pc)}>
              ${districts.map((d) => html`<li id="district-${d.slug}"><strong>${d.name}</strong>${d.description ? html`<p>${d.description}</p>` : ''}</li>`)}
            </ul>`
            : html`<p>${t('districts.none')}</p>`
        }`,
    });
  });

  return router;
}
