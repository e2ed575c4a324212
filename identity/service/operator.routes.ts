import { eq } from 'drizzle-orm';
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { persons } from '../schema.ts';
import type { ServiceContext } from './context.ts';
import {
  authenticateOperator,
  enrolAtDesk,
  legalIdentitySchema,
  pendingLetters,
  printLetter,
} from './enrolment.ops.ts';
import { createCredentialOffer } from './grants.ops.ts';
import { escapeHtml, parseBody, problem, wantsHtml } from './http.ts';
import { field, langOf, messages, page } from './i18n.ts';
import { rotateSigningKey } from './keys.ops.ts';
import {
  endOperatorSession,
  type OperatorLocals,
  refuseCrossOrigin,
  requireOperator,
  startOperatorSession,
} from './operator.auth.ts';
import { rateLimit } from './rate-limit.ts';
import { dedupKey } from './secrets.ts';
import { revokePerson } from './status.ops.ts';

const loginSchema = z.object({ email: z.email(), password: z.string().min(1).max(200) });
const deskSchema = legalIdentitySchema.extend({ district: z.string().min(1) });
const revokeSchema = legalIdentitySchema.extend({ reason: z.enum(['moved-out', 'erased']) });

const identityFields = (t: (typeof messages)['fr']) =>
  field('familyName', t.familyName, '<input id="familyName" name="familyName" required autocomplete="off">') +
  field('givenNames', t.givenNames, '<input id="givenNames" name="givenNames" required autocomplete="off">') +
  field('birthdate', t.birthdate, '<input id="birthdate" name="birthdate" type="date" required>');

export const districtSelect = (ctx: ServiceContext, label: string) =>
  field(
    'district',
    label,
    `<select id="district" name="district" required>${ctx.config.districts
      .map((d) => `<option>${escapeHtml(d)}</option>`)
      .join('')}</select>`,
  );

/** Desk operators: sign-in, recording a person, the mail room, revocation, key rotation. */
export function operatorRouter(ctx: ServiceContext): Router {
  const router = express.Router();
  const operatorOnly = requireOperator(ctx);
  router.use(['/operator', '/desk', '/mailroom'], refuseCrossOrigin(ctx));

  router.get('/operator/login', (req, res) => {
    const t = messages[langOf(req)];
    res.send(
      page(
        langOf(req),
        t.operatorLogin,
        `<form method="post" action="/operator/login">${field('email', t.email, '<input id="email" name="email" type="email" required autocomplete="username">')}${field('password', t.password, '<input id="password" name="password" type="password" required autocomplete="current-password">')}<button>${t.signIn}</button></form>`,
      ),
    );
  });

  router.post('/operator/login', rateLimit({ max: 10, windowMs: 900_000 }), async (req, res) => {
    const body = parseBody(loginSchema, req, res);
    if (!body) return;
    const operator = await authenticateOperator(ctx.db, body.email, body.password);
    if (!operator) return problem(res, 401, 'Wrong email or password');
    await startOperatorSession(ctx, res, operator.id);
    if (wantsHtml(req)) return res.redirect(303, '/desk');
    res.status(204).end();
  });

  router.post('/operator/logout', async (req, res) => {
    await endOperatorSession(ctx, req, res);
    if (wantsHtml(req)) return res.redirect(303, '/operator/login');
    res.status(204).end();
  });

  router.get('/desk', operatorOnly, (req, res) => {
    const lang = langOf(req);
    const t = messages[lang];
    res.send(
      page(
        lang,
        t.desk,
        `<p>${t.deskHelp}</p><form method="post" action="/desk/enrolments">${identityFields(t)}${districtSelect(ctx, t.district)}<button>${t.record}</button></form>
<p><a href="/mailroom">${t.mailroom}</a> · <a href="/operator/revocations">${t.revokeTitle}</a></p>
<form method="post" action="/operator/logout"><button>${t.signOut}</button></form>`,
      ),
    );
  });

  router.post('/desk/enrolments', operatorOnly, async (req, res: Response<unknown, OperatorLocals>) => {
    const body = parseBody(deskSchema, req, res);
    if (!body) return;
    const result = await enrolAtDesk(ctx, body);
    if (!result.ok) return problem(res, 422, 'Enrolment refused', result.reason);
    const offer = await createCredentialOffer(ctx, result.personId);
    if (wantsHtml(req)) {
      const t = messages[langOf(req)];
      return res.send(
        page(
          langOf(req),
          t.enrolled,
          `<p>${t.offerHelp}</p><p><a href="${escapeHtml(offer.walletUrl)}">${escapeHtml(offer.walletUrl)}</a></p>`,
        ),
      );
    }
    res
      .status(201)
      .json({ created: result.created, credential_offer_uri: offer.uri, wallet_url: offer.walletUrl });
  });

  router.get('/mailroom', operatorOnly, async (req, res) => {
    const lang = langOf(req);
    const t = messages[lang];
    const letters = await pendingLetters(ctx.db);
    const items = letters
      .map(
        (l) =>
          `<li>${escapeHtml(l.district)} — ${l.createdAt.toISOString().slice(0, 10)} <form method="post" action="/mailroom/letters/${l.id}/print"><button>${t.print}</button></form></li>`,
      )
      .join('');
    if (!wantsHtml(req)) return res.json({ letters });
    res.send(page(lang, t.mailroom, items ? `<ul>${items}</ul>` : `<p>${t.noLetters}</p>`));
  });

  router.post('/mailroom/letters/:id/print', operatorOnly, async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success) return problem(res, 404, 'No such letter');
    const result = await printLetter(ctx, id.data);
    if (!result.ok) return problem(res, 404, 'No such letter', 'unknown, already printed or confirmed');
    const confirmUrl = `${ctx.config.publicUrl}/letter/confirm?reference=${id.data}`;
    if (!wantsHtml(req))
      return res.json({
        reference: id.data,
        code: result.code,
        mailing_block: result.mailingBlock,
        confirm_url: confirmUrl,
      });
    const lang = langOf(req);
    const t = messages[lang];
    const code = result.code.replace(/(.{5})(.{5})/, '$1-$2');
    res.send(
      page(
        lang,
        t.letterTitle,
        `<address>${escapeHtml(result.mailingBlock).replace(/\n/g, '<br>')}</address>
<p>${t.letterBody} <strong>${escapeHtml(confirmUrl)}</strong></p>
<p>${t.reference} : <code>${id.data}</code></p><p>${t.code} : <strong style="font-size:2em">${code}</strong></p>
<p>${result.expiresAt.toISOString().slice(0, 10)}</p>`,
      ),
    );
  });

  router.get('/operator/revocations', operatorOnly, (req, res) => {
    const lang = langOf(req);
    const t = messages[lang];
    res.send(
      page(
        lang,
        t.revokeTitle,
        `<form method="post" action="/operator/revocations">${identityFields(t)}<fieldset><legend>${t.reason}</legend>
<label><input type="radio" name="reason" value="moved-out" checked> ${t.movedOut}</label>
<label><input type="radio" name="reason" value="erased"> ${t.erased}</label></fieldset><button>${t.revoke}</button></form>`,
      ),
    );
  });

  router.post('/operator/revocations', operatorOnly, async (req, res) => {
    const body = parseBody(revokeSchema, req, res);
    if (!body) return;
    const [person] = await ctx.db
      .select({ id: persons.id })
      .from(persons)
      .where(eq(persons.dedupKey, dedupKey(ctx.secret, body)));
    if (!person) return problem(res, 404, 'No such person');
    const result = await revokePerson(ctx.db, person.id, body.reason);
    if (!result.ok) return problem(res, 404, 'No such person');
    if (wantsHtml(req))
      return res.send(
        page(langOf(req), messages[langOf(req)].revokeTitle, `<p>${messages[langOf(req)].done}</p>`),
      );
    res.status(204).end();
  });

  router.post('/operator/keys/rotate', operatorOnly, async (_req, res) => {
    res.status(201).json(await rotateSigningKey(ctx, ctx.now(), ctx.config.credentialDays));
  });

  return router;
}
