import { Router } from 'express';
import { z } from 'zod';
import { BADGE_CLAIMS, confirmBadge, listActiveBadges, removeBadge } from '../../models/badges.ops.ts';
import { findOwnedPersona, findPersonaById } from '../../models/personas.ops.ts';
import { BADGE_CONFIRM_PATH, startBadgeRequest } from '../../server/badge-requests.ts';
import type { AppContext } from '../../server/context.ts';
import { pageContext } from '../context.ts';
import { sendError } from '../errors.ts';
import { requireSignedIn } from '../guards.ts';
import { sendPage } from '../layout.ts';
import { badgeRequestErrorPage, removeBadgePage } from '../views/badges.view.ts';

const Claims = z.preprocess(
  (value) => (value === undefined ? [] : [value].flat()),
  z.array(z.enum(BADGE_CLAIMS)).max(3),
);

/**
 * The owner's badge actions under /settings/personas/:handle/badges: ask the wallet for a
 * badge (the JSON API's OpenID4VP request, then a redirect to the wallet on the identity
 * service's origin) and remove a badge after confirmation. The answer comes back through
 * the OpenID4VP response endpoint, which sends the browser to the persona's page or back
 * to the settings with the reason.
 */
export function badgePages(ctx: AppContext): Router {
  const router = Router();
  const enabled = () => ctx.config.identityIssuers.length > 0;
  router.use('/settings/personas/:handle/badges', requireSignedIn);

  router.post('/settings/personas/:handle/badges/request', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const persona = await findOwnedPersona(ctx.db, req.user!.id, req.params.handle);
    if (!persona || !enabled()) return sendError(res, pc, 'notFound');
    const claims = Claims.safeParse(req.body?.claims);
    const chosen = claims.success ? [...new Set(claims.data)] : [];
    if (chosen.length === 0) return sendPage(res, pc, badgeRequestErrorPage(pc));
    const started = await startBadgeRequest(ctx, persona.id, chosen);
    if (!started.ok) return sendError(res, pc, 'notFound');
    res.redirect(303, started.walletUrl);
  });

  // The wallet's answer ends here (OpenID4VP response code): only the persona's owner adds the badge.
  router.get(BADGE_CONFIRM_PATH, requireSignedIn, async (req, res) => {
    const code = req.query.response_code;
    if (typeof code !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(code)) {
      return res.redirect(303, '/settings/personas?badge=request-used');
    }
    const result = await confirmBadge(ctx.db, req.user!.id, code);
    if (!result.ok) {
      const reason = result.reason === 'not-found' ? 'request-used' : result.reason;
      return res.redirect(303, `/settings/personas?badge=${reason}`);
    }
    await ctx.events.emit({ type: 'persona.updated', personaId: result.personaId });
    const persona = await findPersonaById(ctx.db, result.personaId);
    res.redirect(303, `/@${persona?.handle ?? ''}?badge=added`);
  });

  const findBadge = async (personaId: string, id: string, lang: 'fr' | 'en') =>
    (await listActiveBadges(ctx.db, personaId, { lang })).find((b) => b.id === id);

  router.get('/settings/personas/:handle/badges/:id/remove', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const persona = await findOwnedPersona(ctx.db, req.user!.id, req.params.handle);
    const badge = persona && (await findBadge(persona.id, req.params.id, pc.lang));
    if (!persona || !badge) return sendError(res, pc, 'notFound');
    sendPage(res, pc, removeBadgePage(pc, persona, badge));
  });

  router.post('/settings/personas/:handle/badges/:id/remove', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const persona = await findOwnedPersona(ctx.db, req.user!.id, req.params.handle);
    const badge = persona && (await findBadge(persona.id, req.params.id, pc.lang));
    if (!persona || !badge) return sendError(res, pc, 'notFound');
    // The list's button asks for confirmation; only the confirmation page sends confirm=yes.
    if (req.body?.confirm !== 'yes') return sendPage(res, pc, removeBadgePage(pc, persona, badge));
    const result = await removeBadge(ctx.db, persona.id, badge.id);
    if (!result.ok) return sendError(res, pc, 'notFound');
    await ctx.events.emit({ type: 'persona.updated', personaId: persona.id });
    res.redirect(303, '/settings/personas?badge=removed');
  });

  return router;
}
