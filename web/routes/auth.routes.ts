import { type Request, type Response, Router } from 'express';
import type passport from 'passport';
import { z } from 'zod';
import { signUp } from '../../models/accounts.ops.ts';
import { DisplayName, Email, Handle, Password } from '../../models/validation.ts';
import { forgiveLogin, hitLoginLimits } from '../../server/api/login-limits.ts';
import { passportLogin, passportLogout } from '../../server/auth.ts';
import type { AppContext } from '../../server/context.ts';
import { type PageContext, pageContext, safeNext } from '../context.ts';
import {
  enteredValues,
  errorSummary,
  type FormErrors,
  type FormValues,
  inputField,
  zodErrors,
} from '../forms.ts';
import { html } from '../html.ts';
import { csrfField, sendPage } from '../layout.ts';

const SignUpForm = z.object({ email: Email, password: Password, handle: Handle, displayName: DisplayName });
const LoginForm = z.object({ email: z.string().trim().min(1), password: z.string().min(1) });

function signUpPage(pc: PageContext, values: FormValues = {}, errors: FormErrors = {}, status = 200) {
  const { t } = pc;
  const labels = {
    email: t('field.email'),
    password: t('field.password'),
    handle: t('field.handle'),
    displayName: t('field.displayName'),
  };
  return {
    status,
    title: t('signup.title'),
    hasErrors: Object.keys(errors).length > 0,
    body: html`<h1>${t('signup.title')}</h1>
      <p>${t('signup.intro')}</p>
      ${errorSummary(pc, errors, labels)}
      <form method="post" action="/signup" novalidate>
        ${csrfField(pc)}
        ${inputField({ name: 'email', type: 'email', label: labels.email, value: values.email, error: errors.email, hint: t('field.email.hint'), autocomplete: 'email', required: true })}
        ${inputField({ name: 'password', type: 'password', label: labels.password, error: errors.password, hint: t('field.password.hint'), autocomplete: 'new-password', required: true })}
        <fieldset>
          <legend>${t('signup.firstPersona')}</legend>
          <p class="hint">${t('signup.firstPersonaHint')}</p>
          ${inputField({ name: 'handle', label: labels.handle, value: values.handle, error: errors.handle, hint: t('field.handle.hint'), autocomplete: 'off', required: true, maxlength: 31 })}
          ${inputField({ name: 'displayName', label: labels.displayName, value: values.displayName, error: errors.displayName, hint: t('field.displayName.hint'), autocomplete: 'off', required: true, maxlength: 60 })}
        </fieldset>
        <button type="submit">${t('signup.submit')}</button>
      </form>
      <p>${t('signup.haveAccount')} <a href="/login">${t('nav.login')}</a></p>`,
  };
}

function loginPage(
  pc: PageContext,
  values: FormValues = {},
  formError?: string,
  errors: FormErrors = {},
  status = 200,
) {
  const { t } = pc;
  const labels = { email: t('field.email'), password: t('field.password') };
  const next = safeNext(values.next, '');
  return {
    status,
    title: t('login.title'),
    hasErrors: Boolean(formError) || Object.keys(errors).length > 0,
    body: html`<h1>${t('login.title')}</h1>
      ${
        formError
          ? // Focused on load like errorSummary's, so the refused login is what is heard first.
            html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
          <h2 id="error-summary-title">${t('form.errorSummary', { count: 1 })}</h2>
          <ul><li><a href="#f-email">${formError}</a></li></ul>
        </div>`
          : errorSummary(pc, errors, labels)
      }
      <form method="post" action="/login" novalidate>
        ${csrfField(pc)}
        ${next ? html`<input type="hidden" name="next" value="${next}">` : ''}
        ${inputField({ name: 'email', type: 'email', label: labels.email, value: values.email, error: errors.email, autocomplete: 'email', required: true })}
        ${inputField({ name: 'password', type: 'password', label: labels.password, error: errors.password, autocomplete: 'current-password', required: true })}
        <button type="submit">${t('login.submit')}</button>
      </form>
      <p>${t('login.noAccount')} <a href="/signup">${t('nav.signup')}</a></p>`,
  };
}

export function authPages(ctx: AppContext, passportInstance: passport.PassportStatic): Router {
  const router = Router();

  router.get('/signup', async (req, res) => {
    if (req.user) return res.redirect(303, '/');
    const pc = await pageContext(ctx, req);
    sendPage(res, pc, signUpPage(pc));
  });

  router.post('/signup', async (req: Request, res: Response) => {
    if (req.user) return res.redirect(303, '/');
    const pc = await pageContext(ctx, req);
    const values = enteredValues(req.body, ['email', 'handle', 'displayName']);
    const parsed = SignUpForm.safeParse(req.body);
    if (!parsed.success) {
      const errors = zodErrors(pc, parsed.error, {
        email: 'field.email.invalid',
        password: 'field.password.invalid',
        handle: 'field.handle.invalid',
        displayName: 'field.displayName.invalid',
      });
      return sendPage(res, pc, signUpPage(pc, values, errors, 400));
    }
    const result = await signUp(ctx, parsed.data);
    if (!result.ok) {
      const errors: FormErrors =
        result.reason === 'email-taken'
          ? { email: pc.t('signup.emailTaken') }
          : { handle: pc.t('field.handle.taken') };
      return sendPage(res, pc, signUpPage(pc, values, errors, 400));
    }
    const login = await passportLogin(passportInstance, req, res);
    if (!login.ok) return res.redirect(303, '/login');
    res.redirect(303, '/settings/personas');
  });

  router.get('/login', async (req, res) => {
    if (req.user) return res.redirect(303, safeNext(req.query.next));
    const pc = await pageContext(ctx, req);
    sendPage(res, pc, loginPage(pc, { next: typeof req.query.next === 'string' ? req.query.next : '' }));
  });

  router.post('/login', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const values = enteredValues(req.body, ['email', 'next']);
    const parsed = LoginForm.safeParse(req.body);
    if (!parsed.success) {
      const errors = zodErrors(pc, parsed.error, { email: 'field.required', password: 'field.required' });
      return sendPage(res, pc, loginPage(pc, values, undefined, errors, 400));
    }
    // The same limits as the API's login, so switching between them gains no attempts.
    const limit = await hitLoginLimits(ctx, req, parsed.data.email.toLowerCase());
    if (!limit.ok) {
      res.set('Retry-After', String(limit.retryAfterSeconds));
      return sendPage(res, pc, loginPage(pc, values, pc.t('login.tooMany'), {}, 429));
    }
    const result = await passportLogin(passportInstance, req, res);
    if (!result.ok) {
      // One message for an unknown e-mail and a wrong password, so the form reveals no account.
      const message = result.reason === 'suspended' ? pc.t('login.suspended') : pc.t('login.invalid');
      return sendPage(res, pc, loginPage(pc, values, message, {}, 400));
    }
    await forgiveLogin(ctx, req, parsed.data.email.toLowerCase());
    res.redirect(303, safeNext(values.next));
  });

  router.post('/logout', async (req, res) => {
    if (req.user) await passportLogout(req);
    res.clearCookie('parvis.sid');
    res.redirect(303, '/');
  });

  return router;
}
