import { randomBytes } from 'node:crypto';
import {
  parseOpenid4VpAuthorizationResponsePayload,
  validateOpenid4vpAuthorizationResponsePayload,
} from '@openid4vc/openid4vp';
import express, { type Router } from 'express';
import { z } from 'zod';
import {
  BADGE_CLAIMS,
  findOpenBadgeRequest,
  listActiveBadges,
  publicBadge,
  removeBadge,
  storeBadge,
} from '../../models/badges.ops.ts';
import { findOwnedPersona, findPersonaByHandle } from '../../models/personas.ops.ts';
import { Handle } from '../../models/validation.ts';
import {
  BADGE_CONFIRM_PATH,
  BADGE_RESPONSE_PATH,
  CREDENTIAL_QUERY_ID,
  presentationRequest,
  startBadgeRequest,
  verifierFor,
} from '../badge-requests.ts';
import type { AppContext } from '../context.ts';
import { logger } from '../logging.ts';
import { sendProblem } from '../problem.ts';
import { type ApiRoute, assertNever, defineRoute } from './registry.ts';
import { PublicBadgeSchema } from './schemas.ts';

const log = logger('badges');

const Claim = z.enum(BADGE_CLAIMS);
const RequestBody = z.object({
  claims: z.array(Claim).min(1).max(3).default(['resident_of', 'age_range']),
  issuer: z.url().optional().describe('one of the pinned identity services; the first by default'),
});

/** `/personas/:handle/badges`: list (public), ask the wallet for a presentation, remove. */
export function badgesRoutes(ctx: AppContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/personas/:handle/badges',
      summary: 'The persona’s verified badges (disclosed attributes and issuer only)',
      tags: ['badges'],
      auth: 'public',
      params: z.object({ handle: Handle }),
      responses: {
        200: { description: 'The badges', schema: z.array(PublicBadgeSchema) },
        404: 'No such persona',
      },
      handler: async ({ params, req, res }) => {
        const persona = await findPersonaByHandle(ctx.db, params.handle);
        if (!persona) return sendProblem(res, 404, 'No such persona');
        const lang = req.acceptsLanguages('fr', 'en') === 'en' ? 'en' : 'fr';
        const list = await listActiveBadges(ctx.db, persona.id, { lang });
        res.json(list.map(publicBadge));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/personas/:handle/badges/request',
      summary: 'Start an OpenID4VP request: a nonce and the wallet address to send the resident to',
      tags: ['badges'],
      auth: 'session',
      params: z.object({ handle: Handle }),
      body: RequestBody,
      responses: {
        201: { description: 'The request and the wallet URL' },
        404: 'The account has no such persona',
        409: 'No identity service is configured, or the issuer is not pinned',
      },
      handler: async ({ params, body, account, res }) => {
        const persona = await findOwnedPersona(ctx.db, account.id, params.handle);
        if (!persona) return sendProblem(res, 404, 'No such persona');
        const started = await startBadgeRequest(ctx, persona.id, body.claims, body.issuer);
        if (!started.ok) {
          return sendProblem(res, 409, 'No such identity service', {
            detail: 'The issuer is not pinned here.',
          });
        }
        const { request, walletUrl, expiresAt } = started;
        res.status(201).json({ request, walletUrl, expiresAt: expiresAt.toISOString() });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/personas/:handle/badges/:id',
      summary: 'Remove one of the persona’s badges',
      tags: ['badges'],
      auth: 'session',
      params: z.object({ handle: Handle, id: z.uuid() }),
      responses: { 204: 'Removed', 404: 'No such persona or badge' },
      handler: async ({ params, account, res }) => {
        const persona = await findOwnedPersona(ctx.db, account.id, params.handle);
        if (!persona) return sendProblem(res, 404, 'No such persona');
        const result = await removeBadge(ctx.db, persona.id, params.id);
        if (!result.ok) return sendProblem(res, 404, 'No such badge');
        await ctx.events.emit({ type: 'persona.updated', personaId: persona.id });
        res.status(204).end();
      },
    }),
  ];
}

const ResponseBody = z.union([
  z.object({ vp_token: z.string().max(20_000), state: z.string().max(200) }),
  z.object({ error: z.string().max(100), state: z.string().max(200).optional() }),
]);

/** Why an answer was refused: the problem's `detail`, and the code the settings page explains. */
export type BadgeAnswerRefusal = { status: 400 | 409; title: string; code: string };
type BadgeAnswer =
  | { ok: true; badgeId: string; personaId: string; responseCode: string }
  | ({ ok: false } & BadgeAnswerRefusal);

const refuse = (code: string, title = 'Presentation refused', status: 400 | 409 = 400): BadgeAnswer => ({
  ok: false,
  status,
  title,
  code,
});

/** Checks the wallet's answer against its pending request and stores the badge. */
async function handleAnswer(ctx: AppContext, body: unknown): Promise<BadgeAnswer> {
  const parsed = ResponseBody.safeParse(body ?? {});
  if (!parsed.success) return refuse('malformed', 'Invalid presentation response');
  if ('error' in parsed.data) return refuse('declined', 'The resident declined');
  const pending = await findOpenBadgeRequest(ctx.db, parsed.data.state);
  if (!pending) return refuse('request-used', 'Unknown or expired request');
  // State and vp_token shape are checked against the request by @openid4vc/openid4vp.
  let presentations: Record<string, unknown[]>;
  try {
    const validated = validateOpenid4vpAuthorizationResponsePayload({
      authorizationRequestPayload: presentationRequest(ctx, pending),
      authorizationResponsePayload: parseOpenid4VpAuthorizationResponsePayload(parsed.data),
    });
    if (validated.type !== 'dcql') return refuse('malformed', 'Malformed vp_token');
    presentations = validated.dcql.presentations;
  } catch (error) {
    log.debug('vp_token refused: {error}', { error });
    return refuse('malformed', 'Malformed vp_token');
  }
  const entries = presentations[CREDENTIAL_QUERY_ID];
  const presentation = entries?.length === 1 ? entries[0] : undefined;
  if (typeof presentation !== 'string' || !presentation) return refuse('malformed', 'Malformed vp_token');
  // The nonce is checked here and spent in storeBadge's transaction, together with the credential.
  const result = await verifierFor(ctx).verify(presentation, async (nonce) => nonce === pending.nonce);
  if (!result.ok) {
    log.debug('presentation refused: {reason}', { reason: result.reason });
    return refuse(result.reason);
  }
  const disclosed = Object.fromEntries(
    Object.entries(result.badge.disclosed).filter(([claim]) => (pending.claims as string[]).includes(claim)),
  );
  // Whoever was handed the wallet link may have answered: the badge waits for the owner's browser.
  const responseCode = randomBytes(24).toString('base64url');
  const stored = await storeBadge(ctx.db, {
    state: pending.state,
    credentialId: result.credentialId,
    verified: { ...result.badge, disclosed },
    responseCode,
  });
  if (stored.ok) return { ok: true, badgeId: stored.badge.id, personaId: pending.personaId, responseCode };
  switch (stored.reason) {
    case 'credential-already-used':
      return refuse(stored.reason, 'Presentation refused', 409);
    case 'request-used':
    case 'nothing-disclosed':
    case 'expired':
      return refuse(stored.reason);
    default:
      return assertNever(stored.reason);
  }
}

/**
 * The OpenID4VP `direct_post` response endpoint. The wallet posts a form here (from another
 * origin), so it lives outside the JSON API and its CSRF check: the single-use `state` and
 * `nonce` are what bind the answer to the request, and the response code in the answer's
 * `redirect_uri` binds the badge to the owner's browser. Nothing is logged about the person.
 * A wallet calling with fetch gets JSON (`redirect_uri`, or a problem); a browser that the
 * wallet page sent here by a form gets a redirect: to the confirmation address on success
 * (then the persona's page), to the personas settings with the reason otherwise.
 */
export function badgeResponseRouter(ctx: AppContext): Router {
  const router = express.Router();
  router.post(
    BADGE_RESPONSE_PATH,
    express.urlencoded({ extended: false, limit: '32kb' }),
    async (req, res) => {
      const answer = await handleAnswer(ctx, req.body);
      const html = req.accepts(['json', 'html']) === 'html';
      const origin = ctx.config.publicUrl.origin;
      if (!answer.ok) {
        if (html) return res.redirect(303, `${origin}/settings/personas?badge=${answer.code}`);
        return sendProblem(res, answer.status, answer.title, {
          type: `urn:parvis:badge:${answer.code}`,
          detail: answer.code,
        });
      }
      // OpenID4VP's response code: the badge shows once the owner's browser opens this address.
      const redirect = `${origin}${BADGE_CONFIRM_PATH}?response_code=${answer.responseCode}`;
      if (html) return res.redirect(303, redirect);
      res.json({ redirect_uri: redirect, badge: { id: answer.badgeId } });
    },
  );
  return router;
}
