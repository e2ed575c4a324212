import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { followRemote, unfollowRemote } from '../../federation/follows.ts';
import { countFollows, listFollows } from '../../models/follows.ops.ts';
import type { Author } from '../../models/posts.queries.ts';
import type { AppContext } from '../../server/context.ts';
import { type PageContext, pageContext } from '../context.ts';
import { sendError } from '../errors.ts';
import { enteredValues, errorSummary, type FormErrors, type FormValues, inputField } from '../forms.ts';
import { requireSignedIn } from '../guards.ts';
import { html } from '../html.ts';
import type { MessageKey } from '../i18n/index.ts';
import { csrfField, sendPage } from '../layout.ts';
import { successNotice } from '../notice.ts';
import { remoteHref } from '../views/posts.view.ts';
import { viewerOf } from './post-form.ts';

// The same bounds as the JSON API's `POST /me/follows`.
const FollowForm = z.object({ target: z.string().trim().min(3).max(500) });

const NOTICES = new Map<unknown, MessageKey>([
  ['followed', 'following.followed'],
  ['already', 'following.already'],
  ['unfollowed', 'following.unfollowed'],
]);

const REFUSALS = {
  'invalid-target': 'field.target.invalid',
  'not-found': 'field.target.notFound',
  'not-an-actor': 'field.target.notAnActor',
  local: 'field.target.local',
  blocked: 'field.target.blocked',
} as const satisfies Record<string, MessageKey>;

type FormState = { values: FormValues; errors: FormErrors; status: number };

/**
 * `/settings/following`: the active persona follows remote accounts (the same operation as
 * `POST /api/v1/me/follows`), sees whom it follows and how many follow it, and unfollows.
 */
export function followingPages(ctx: AppContext): Router {
  const router = Router();
  router.use('/settings/following', requireSignedIn);

  async function render(
    req: Request,
    res: Response,
    pc: PageContext,
    persona: Author | undefined,
    form: FormState = { values: {}, errors: {}, status: 200 },
  ) {
    const { t } = pc;
    const title = t('following.title');
    if (!persona || !pc.activePersona) {
      return sendPage(res, pc, {
        title,
        noindex: true,
        body: html`<h1>${title}</h1><p>${t('following.noPersona')}</p>`,
      });
    }
    const [followed, followers] = await Promise.all([
      listFollows(ctx.db, persona.handle, 'outbound'),
      countFollows(ctx.db, persona.handle, 'inbound'),
    ]);
    const done = NOTICES.get(req.query.done);
    sendPage(res, pc, {
      status: form.status,
      title,
      noindex: true,
      hasErrors: Object.keys(form.errors).length > 0,
      notice: done ? successNotice(t(done)) : undefined,
      body: html`<h1>${title}</h1>
        <p>${t('following.intro')}</p>
        <p>${t('following.persona', { name: pc.activePersona.displayName, handle: persona.handle })}
          ${t('following.followers', { count: followers })}</p>
        <section aria-labelledby="follow-title">
          <h2 id="follow-title">${t('following.followTitle')}</h2>
          ${errorSummary(pc, form.errors, { target: t('field.target') })}
          <form method="post" action="/settings/following" novalidate>
            ${csrfField(pc)}
            ${inputField({ name: 'target', label: t('field.target'), value: form.values.target, error: form.errors.target, hint: t('field.target.hint'), required: true, maxlength: 500, autocomplete: 'off' })}
            <button type="submit">${t('following.submit')}</button>
          </form>
        </section>
        <section aria-labelledby="followed-title">
          <h2 id="followed-title">${t('following.listTitle')}</h2>
          ${
            followed.length === 0
              ? html`<p>${t('following.none')}</p>`
              : html`<ul class="follow-list">
                ${followed.map(({ follow, actor }) => {
                  const name = actor.displayName || actor.handle;
                  return html`<li>
                    <a href="${remoteHref(actor.url ?? actor.iri)}">${name}</a> <span class="handle">${actor.handle}</span>
                    ${follow.state === 'pending' ? html` <span class="badge-unverified">${t('following.pending')}</span>` : ''}
                    <form method="post" action="/settings/following/remove" class="inline-form">
                      ${csrfField(pc)}
                      <input type="hidden" name="target" value="${actor.iri}">
                      <button type="submit" class="link-button">${t('following.unfollow', { name })}</button>
                    </form>
                  </li>`;
                })}
              </ul>`
          }
        </section>`,
    });
  }

  router.get('/settings/following', async (req, res) => {
    const pc = await pageContext(ctx, req);
    await render(req, res, pc, await viewerOf(ctx, req));
  });

  router.post('/settings/following', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const persona = await viewerOf(ctx, req);
    if (!persona) return render(req, res, pc, persona);
    const values = enteredValues(req.body, ['target']);
    const parsed = FollowForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      const errors = { target: pc.t('field.target.invalid') };
      return render(req, res, pc, persona, { values, errors, status: 400 });
    }
    const result = await followRemote(ctx, persona.handle, parsed.data.target);
    if (!result.ok) {
      const errors = { target: pc.t(REFUSALS[result.reason]) };
      return render(req, res, pc, persona, { values, errors, status: 400 });
    }
    res.redirect(303, `/settings/following?done=${result.created ? 'followed' : 'already'}`);
  });

  router.post('/settings/following/remove', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const persona = await viewerOf(ctx, req);
    const target = typeof req.body?.target === 'string' ? req.body.target : '';
    if (!persona || !target) return sendError(res, pc, 'notFound');
    const result = await unfollowRemote(ctx, persona.handle, target);
    if (!result.ok) return sendError(res, pc, 'notFound');
    res.redirect(303, '/settings/following?done=unfollowed');
  });

  return router;
}
