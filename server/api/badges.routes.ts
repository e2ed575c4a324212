import {
  parseOpenid4VpAuthorizationResponsePayload,
  validateOpenid4vpAuthorizationResponsePayload,
} from '@openid4vc/openid4vp';
import { DcqlQuery } from 'dcql';
import express, { type Router } from 'express';
import { z } from 'zod';
import { createVerifier, type Verifier } from '../../identity/verifier/verifier.ts';
import {
  BADGE_CLAIMS,
  createBadgeRequest,
  findOpenBadgeRequest,
  listActiveBadges,
  removeBadge,
  storeBadge,
} from '../../models/badges.ops.ts';
import { findOwnedPersona, findPersonaByHandle, findPersonaById } from '../../models/personas.ops.ts';
import { Handle } from '../../models/validation.ts';
import type { AppContext } from '../context.ts';
import { logger } from '../logging.ts';
import { sendProblem } from '../problem.ts';
import { type ApiRoute, assertNever, defineRoute } from './registry.ts';

const log = logger('badges');
export const BADGE_RESPONSE_PATH = '/openid4vp/response';
const CREDENTIAL_QUERY_ID = 'residence';

const Claim = z.enum(BADGE_CLAIMS);
const RequestBody = z.object({
  claims: z.array(Claim).min(1).max(3).default(['resident_of', 'age_range']),
  issuer: z.url().optional().describe('one of the pinned identity services; the first by default'),
});

const BadgeSchema = z.object({
  id: z.string(),
  issuerName: z.string(),
  issuerUrl: z.string(),
  label: z.string(),
  residentOf: z.string().optional(),
  district: z.string().optional(),
  ageRange: z.string().optional(),
  expiresAt: z.string(),
});

// One verifier per instance (its key and status caches live as long as the instance).
const verifiers = new WeakMap<AppContext, Verifier>();
function verifierFor(ctx: AppContext): Verifier {
  let verifier = verifiers.get(ctx);
  if (!verifier) {
    verifier = createVerifier({
      issuers: ctx.config.identityIssuers.map((url) => ({
        url: url.href.replace(/\/$/, ''),
      })),
      audience: ctx.config.publicUrl.origin,
    });
    verifiers.set(ctx, verifier);
  }
  return verifier;
}

const issuerUrls = (ctx: AppContext) => ctx.config.identityIssuers.map((url) => url.href.replace(/\/$/, ''));

/**
 * The OpenID4VP authorization request for a pending badge request. Rebuilt identically when
 * the answer arrives, so that `@openid4vc/openid4vp` can check the answer against it.
 */
function presentationRequest(ctx: AppContext, pending: { nonce: string; state: string; claims: string[] }) {
  const origin = ctx.config.publicUrl.origin;
  const dcqlQuery = DcqlQuery.parse({
    credentials: [
      {
        id: CREDENTIAL_QUERY_ID,
        format: 'dc+sd-jwt',
        meta: { vct_values: issuerUrls(ctx).map((issuer) => `${issuer}/credentials/residence`) },
        claims: pending.claims.map((claim) => ({ path: [claim] })),
      },
    ],
  });
  DcqlQuery.validate(dcqlQuery);
  return {
    response_type: 'vp_token' as const,
    response_mode: 'direct_post' as const,
    client_id: origin,
    response_uri: `${origin}${BADGE_RESPONSE_PATH}`,
    nonce: pending.nonce,
    state: pending.state,
    dcql_query: dcqlQuery,
  };
}

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
      responses: { 200: { description: 'The badges', schema: z.array(BadgeSchema) }, 404: 'No such persona' },
      handler: async ({ params, req, res }) => {
        const persona = await findPersonaByHandle(ctx.db, params.handle);
        if (!persona) return sendProblem(res, 404, 'No such persona');
        const lang = req.acceptsLanguages('fr', 'en') === 'en' ? 'en' : 'fr';
        const list = await listActiveBadges(ctx.db, persona.id, { lang });
        res.json(list.map((b) => ({ ...b, expiresAt: b.expiresAt.toISOString() })));
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
        const issuer = body.issuer?.replace(/\/$/, '') ?? issuerUrls(ctx)[0];
        if (!issuer || !issuerUrls(ctx).includes(issuer)) {
          return sendProblem(res, 409, 'No such identity service', {
            detail: 'The issuer is not pinned here.',
          });
        }
        const pending = await createBadgeRequest(ctx.db, persona.id, body.claims);
        const request = presentationRequest(ctx, pending);
        const wallet = new URL(`${issuer}/wallet`);
        for (const [key, value] of Object.entries(request)) {
          wallet.searchParams.set(key, typeof value === 'string' ? value : JSON.stringify(value));
        }
        res.status(201).json({ request, walletUrl: wallet.href, expiresAt: pending.expiresAt.toISOString() });
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
        res.status(204).end();
      },
    }),
  ];
}

const ResponseBody = z.union([
  z.object({ vp_token: z.string().max(20_000), state: z.string().max(200) }),
  z.object({ error: z.string().max(100), state: z.string().max(200).optional() }),
]);

/**
 * The OpenID4VP `direct_post` response endpoint. The wallet posts a form here (from another
 * origin), so it lives outside the JSON API and its CSRF check: the single-use `state` and
 * `nonce` are what bind the answer to the request. Nothing is logged about the person.
 */
export function badgeResponseRouter(ctx: AppContext): Router {
  const router = express.Router();
  router.post(
    BADGE_RESPONSE_PATH,
    express.urlencoded({ extended: false, limit: '32kb' }),
    async (req, res) => {
      const parsed = ResponseBody.safeParse(req.body ?? {});
      if (!parsed.success) return sendProblem(res, 400, 'Invalid presentation response');
      if ('error' in parsed.data)
        return sendProblem(res, 400, 'The resident declined', { detail: parsed.data.error });
      const pending = await findOpenBadgeRequest(ctx.db, parsed.data.state);
      if (!pending)
        return sendProblem(res, 400, 'Unknown or expired request', { type: 'urn:parvis:badge:request-used' });
      // State and vp_token shape are checked against the request by @openid4vc/openid4vp.
      let presentations: Record<string, unknown[]>;
      try {
        const validated = validateOpenid4vpAuthorizationResponsePayload({
          authorizationRequestPayload: presentationRequest(ctx, pending),
          authorizationResponsePayload: parseOpenid4VpAuthorizationResponsePayload(parsed.data),
        });
        if (validated.type !== 'dcql') return sendProblem(res, 400, 'Malformed vp_token');
        presentations = validated.dcql.presentations;
      } catch {
        return sendProblem(res, 400, 'Malformed vp_token');
      }
      const entries = presentations[CREDENTIAL_QUERY_ID];
      if (entries?.length !== 1 || typeof entries[0] !== 'string')
        return sendProblem(res, 400, 'Malformed vp_token', {
          detail: 'one "residence" presentation expected',
        });
      const presentation = entries[0];
      if (!presentation)
        return sendProblem(res, 400, 'Malformed vp_token', { detail: 'no "residence" credential' });
      // The nonce is checked here and spent in storeBadge's transaction, together with the credential.
      const result = await verifierFor(ctx).verify(presentation, async (nonce) => nonce === pending.nonce);
      if (!result.ok) {
        log.debug('presentation refused: {reason}', { reason: result.reason });
        return sendProblem(res, 400, 'Presentation refused', {
          type: `urn:parvis:badge:${result.reason}`,
          detail: result.reason,
        });
      }
      const disclosed = Object.fromEntries(
        Object.entries(result.badge.disclosed).filter(([claim]) =>
          (pending.claims as string[]).includes(claim),
        ),
      );
      const stored = await storeBadge(ctx.db, {
        state: pending.state,
        credentialId: result.credentialId,
        verified: { ...result.badge, disclosed },
      });
      if (!stored.ok) {
        switch (stored.reason) {
          case 'request-used':
          case 'credential-already-used':
          case 'nothing-disclosed':
          case 'expired':
            return sendProblem(
              res,
              stored.reason === 'credential-already-used' ? 409 : 400,
              'Presentation refused',
              {
                type: `urn:parvis:badge:${stored.reason}`,
                detail: stored.reason,
              },
            );
          default:
            return assertNever(stored.reason);
        }
      }
      const persona = await findPersonaById(ctx.db, pending.personaId);
      const redirect = `${ctx.config.publicUrl.origin}/@${persona?.handle ?? ''}`;
      if (req.accepts(['json', 'html']) === 'html') return res.redirect(303, redirect);
      res.json({ redirect_uri: redirect, badge: { id: stored.badge.id } });
    },
  );
  return router;
}
