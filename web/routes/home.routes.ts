import { Router } from 'express';
import { publicPersonaView } from '../../models/personas.ops.ts';
import { listDistricts } from '../../models/territory.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { pageContext } from '../context.ts';
import { html } from '../html.ts';
import { sendPage } from '../layout.ts';

/** The home page and the list of districts. */
export function homePages(ctx: AppContext): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const { t } = pc;
    const districts = await listDistricts(ctx.db);
    const persona = pc.activePersona ? await publicPersonaView(ctx.db, pc.activePersona) : undefined;
    const welcome = persona
      ? html`<section class="card" aria-labelledby="me-title">
          <h2 id="me-title">${t('home.you')}</h2>
          <p><strong>${persona.displayName}</strong> <span class="handle">@${persona.handle}</span></p>
          ${persona.district ? html`<p>${t('profile.district')}${t('form.colon')}${persona.district.name} <span class="badge-unverified">${t('profile.unverified')}</span></p>` : ''}
          <ul class="actions">
            <li><a href="/@${persona.handle}">${t('home.viewProfile')}</a></li>
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
    sendPage(res, pc, {
      title: pc.instance.name,
      body: html`<h1>${pc.instance.name}</h1>
        ${pc.instance.description ? html`<p class="lead">${pc.instance.description}</p>` : ''}
        ${welcome}
        <section aria-labelledby="districts-title">
          <h2 id="districts-title">${t('districts.title')}</h2>
          ${
            districts.length
              ? html`<ul class="district-list">${districts.map((d) => html`<li>${d.name}</li>`)}</ul>`
              : html`<p>${t('districts.none')}</p>`
          }
        </section>`,
    });
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
            ? html`<ul class="district-list">
              ${districts.map((d) => html`<li id="district-${d.slug}"><strong>${d.name}</strong>${d.description ? html`<p>${d.description}</p>` : ''}</li>`)}
            </ul>`
            : html`<p>${t('districts.none')}</p>`
        }`,
    });
  });

  return router;
}
