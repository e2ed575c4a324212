import { Router } from 'express';
import { z } from 'zod';
import { accountSelfView, authenticate, setLanguage, setPassword } from '../../models/accounts.ops.ts';
import { destroyOtherSessions } from '../../models/sessions.ops.ts';
import { Password } from '../../models/validation.ts';
import type { AppContext } from '../../server/context.ts';
import { type PageContext, pageContext, setLanguageCookie } from '../context.ts';
import { errorSummary, type FormErrors, inputField, selectField, zodErrors } from '../forms.ts';
import { requireSignedIn } from '../guards.ts';
import { html } from '../html.ts';
import { csrfField, type Page, sendPage } from '../layout.ts';
import { type Notice, successNotice } from '../notice.ts';

const LanguageForm = z.object({ language: z.enum(['fr', 'en']) });
const PasswordForm = z.object({ currentPassword: z.string().min(1), newPassword: Password });

function accountPage(pc: PageContext, errors: FormErrors = {}, status = 200, notice?: Notice): Page {
  const { t } = pc;
  const me = accountSelfView(pc.account!);
  const labels = {
    language: t('field.language'),
    currentPassword: t('field.currentPassword'),
    newPassword: t('field.newPassword'),
  };
  return {
    status,
    title: t('account.title'),
    notice,
    hasErrors: Object.keys(errors).length > 0,
    body: html`<h1>${t('account.title')}</h1>
      ${errorSummary(pc, errors, labels)}
      <section aria-labelledby="identity-title">
        <h2 id="identity-title">${t('account.login')}</h2>
        <dl>
          <dt>${t('field.email')}</dt><dd>${me.email}</dd>
          <dt>${t('account.role')}</dt><dd>${t(`role.${me.role}`)}</dd>
        </dl>
        <p class="hint">${t('account.emailPrivate')}</p>
      </section>
      <section aria-labelledby="language-title">
        <h2 id="language-title">${t('account.languageTitle')}</h2>
        <form method="post" action="/settings/account/language">
          ${csrfField(pc)}
          ${selectField({
            name: 'language',
            label: labels.language,
            value: me.language ?? pc.lang,
            error: errors.language,
            options: [
              { value: 'fr', label: 'Français' },
              { value: 'en', label: 'English' },
            ],
          })}
          <button type="submit">${t('form.save')}</button>
        </form>
      </section>
      <section aria-labelledby="password-title">
        <h2 id="password-title">${t('account.passwordTitle')}</h2>
        <form method="post" action="/settings/account/password" novalidate>
          ${csrfField(pc)}
          ${inputField({ name: 'currentPassword', type: 'password', label: labels.currentPassword, error: errors.currentPassword, autocomplete: 'current-password', required: true })}
          ${inputField({ name: 'newPassword', type: 'password', label: labels.newPassword, error: errors.newPassword, hint: t('field.password.hint'), autocomplete: 'new-password', required: true })}
          <button type="submit">${t('account.changePassword')}</button>
        </form>
      </section>`,
  };
}

/** The account's own settings: the only page that shows the e-mail address. */
export function accountPages(ctx: AppContext): Router {
  const router = Router();
  router.use('/settings/account', requireSignedIn);

  router.get('/settings/account', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const notice = req.query.saved === '1' ? successNotice(pc.t('form.saved')) : undefined;
    sendPage(res, pc, accountPage(pc, {}, 200, notice));
  });

  router.post('/settings/account/language', async (req, res) => {
    const parsed = LanguageForm.safeParse(req.body);
    if (!parsed.success) {
      const pc = await pageContext(ctx, req);
      return sendPage(res, pc, accountPage(pc, { language: pc.t('field.language.invalid') }, 400));
    }
    await setLanguage(ctx.db, req.user!.id, parsed.data.language);
    // The cookie outranks the account's preference: keep them in step.
    setLanguageCookie(ctx, res, parsed.data.language);
    res.redirect(303, '/settings/account?saved=1');
  });

  router.post('/settings/account/password', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const parsed = PasswordForm.safeParse(req.body);
    if (!parsed.success) {
      const errors = zodErrors(pc, parsed.error, {
        currentPassword: 'field.required',
        newPassword: 'field.password.invalid',
      });
      return sendPage(res, pc, accountPage(pc, errors, 400));
    }
    const check = await authenticate(ctx.db, req.user!.email, parsed.data.currentPassword);
    if (!check.ok) {
      return sendPage(res, pc, accountPage(pc, { currentPassword: pc.t('account.wrongPassword') }, 400));
    }
    await setPassword(ctx.db, req.user!.id, parsed.data.newPassword);
    // Whoever knew the old password may hold another session: end them all but this one.
    await destroyOtherSessions(ctx.db, req.user!.id, req.sessionID);
    res.redirect(303, '/settings/account?saved=1');
  });

  return router;
}
