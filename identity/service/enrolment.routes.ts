import express, { type Router } from 'express';
import { z } from 'zod';
import type { ServiceContext } from './context.ts';
import type { EidClient } from './eid.client.ts';
import { confirmLetter, enrolWithEid, legalIdentitySchema, requestLetter } from './enrolment.ops.ts';
import { createCredentialOffer } from './grants.ops.ts';
import { cookies, escapeHtml, parseBody, problem, wantsHtml } from './http.ts';
import { field, langOf, messages, page } from './i18n.ts';
import { districtSelect } from './operator.routes.ts';
import { rateLimit } from './rate-limit.ts';
import { constantTimeEqual } from './secrets.ts';

const EID_STATE_COOKIE = 'identity_eid_state';

const letterSchema = legalIdentitySchema.extend({
  district: z.string().min(1),
  address: z.string().trim().min(5).max(500),
});
const confirmSchema = z.object({ reference: z.uuid(), code: z.string().trim().min(1).max(40) });

const confirmStatus = {
  'not-found': 404,
  expired: 410,
  'too-many-attempts': 429,
  'wrong-code': 400,
  'unknown-district': 422,
} as const;

/** What a person does alone: ask for a letter, type its code back, sign in with the eID. */
export function enrolmentRouter(ctx: ServiceContext, eid: EidClient | undefined): Router {
  const router = express.Router();

  router.get('/letter', (req, res) => {
    const lang = langOf(req);
    const t = messages[lang];
    res.send(
      page(
        lang,
        t.letterTitle,
        `<p>${t.letterHelp}</p><form method="post" action="/letter/requests">
${field('familyName', t.familyName, '<input id="familyName" name="familyName" required autocomplete="family-name">')}
${field('givenNames', t.givenNames, '<input id="givenNames" name="givenNames" required autocomplete="given-name">')}
${field('birthdate', t.birthdate, '<input id="birthdate" name="birthdate" type="date" required autocomplete="bday">')}
${field('address', t.address, '<textarea id="address" name="address" required autocomplete="street-address"></textarea>')}
${districtSelect(ctx, t.district)}<button>${t.send}</button></form>
${eid ? `<p><a href="/enrol/eid/start">${t.eid}</a></p>` : ''}`,
      ),
    );
  });

  router.post('/letter/requests', rateLimit({ max: 5, windowMs: 3_600_000 }), async (req, res) => {
    const body = parseBody(letterSchema, req, res);
    if (!body) return;
    const result = await requestLetter(ctx, body);
    if (!result.ok)
      return problem(res, 422, 'Unknown district', `choose one of: ${ctx.config.districts.join(', ')}`);
    if (wantsHtml(req))
      return res.send(
        page(
          langOf(req),
          messages[langOf(req)].letterTitle,
          `<p>${messages[langOf(req)].letterRequested}</p>`,
        ),
      );
    res.status(202).json({ status: 'letter-requested' });
  });

  router.get('/letter/confirm', (req, res) => {
    const lang = langOf(req);
    const t = messages[lang];
    const reference = typeof req.query.reference === 'string' ? req.query.reference : '';
    res.send(
      page(
        lang,
        t.confirmTitle,
        `<form method="post" action="/letter/confirm">
${field('reference', t.reference, `<input id="reference" name="reference" required value="${escapeHtml(reference)}">`)}
${field('code', t.code, '<input id="code" name="code" required autocomplete="one-time-code" inputmode="text">')}
<button>${t.confirm}</button></form>`,
      ),
    );
  });

  router.post('/letter/confirm', rateLimit({ max: 30, windowMs: 3_600_000 }), async (req, res) => {
    const body = parseBody(confirmSchema, req, res);
    if (!body) return;
    const result = await confirmLetter(ctx, { requestId: body.reference, code: body.code });
    if (!result.ok)
      return problem(res, confirmStatus[result.reason], 'Code refused', result.reason, {
        reason: result.reason,
      });
    if (!result.offer) {
      // Already proven by the desk or the eID: residence added; credentials come from the usual sign-in.
      if (wantsHtml(req)) return res.redirect(303, '/wallet');
      return res.status(200).json({ status: 'residence-added', sign_in: `${ctx.config.publicUrl}/wallet` });
    }
    const offer = await createCredentialOffer(ctx, result.personId);
    if (wantsHtml(req)) return res.redirect(303, offer.walletUrl);
    res.status(201).json({ credential_offer_uri: offer.uri, wallet_url: offer.walletUrl });
  });

  router.get('/enrol/eid/start', async (_req, res) => {
    if (!eid) return problem(res, 404, 'National eID is not configured');
    const { url, state } = await eid.start();
    // The state is also bound to this browser (RFC 6749 §10.12): a callback URL that someone
    // else's sign-in produced cannot enrol that person into this browser's wallet.
    res.cookie(EID_STATE_COOKIE, state, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/enrol/eid',
      secure: ctx.config.publicUrl.startsWith('https:'),
      maxAge: 10 * 60_000,
    });
    res.redirect(303, String(url));
  });

  router.get('/enrol/eid/callback', async (req, res) => {
    if (!eid) return problem(res, 404, 'National eID is not configured');
    const current = new URL(req.originalUrl, ctx.config.publicUrl);
    const bound = cookies(req)[EID_STATE_COOKIE];
    const state = current.searchParams.get('state');
    if (!bound || !state || !constantTimeEqual(bound, state)) {
      return problem(res, 400, 'National eID sign-in failed', 'state-not-bound-to-this-browser');
    }
    res.clearCookie(EID_STATE_COOKIE, { path: '/enrol/eid' });
    const login = await eid.finish(current);
    if (!login.ok) return problem(res, 400, 'National eID sign-in failed', login.reason);
    const result = await enrolWithEid(ctx, login.identity);
    if (!result.ok) return problem(res, 422, 'Enrolment refused', result.reason);
    const offer = await createCredentialOffer(ctx, result.personId);
    res.redirect(303, offer.walletUrl);
  });

  return router;
}
