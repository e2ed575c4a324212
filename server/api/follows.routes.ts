import { z } from 'zod';
import { followRemote, unfollowRemote } from '../../federation/follows.ts';
import { findLocalActor } from '../../models/federation.ops.ts';
import { countFollows, listFollows } from '../../models/follows.ops.ts';
import { findOwnedPersona, findPersonaById } from '../../models/personas.ops.ts';
import type { Account, RemoteActor } from '../../models/schema/index.ts';
import { Handle } from '../../models/validation.ts';
import type { AppContext } from '../context.ts';
import { sendProblem } from '../problem.ts';
import { type ApiRoute, assertNever, defineRoute } from './registry.ts';

const RemoteActorSchema = z.object({
  handle: z.string().describe('@user@domain'),
  iri: z.string(),
  displayName: z.string(),
  avatarUrl: z.string().nullable(),
  url: z.string().nullable(),
});
const FollowSchema = z.object({ actor: RemoteActorSchema, state: z.enum(['pending', 'accepted']) });
const FollowListSchema = z.object({ persona: z.string(), follows: z.array(FollowSchema) });
const CountsSchema = z.object({ followers: z.number().int(), following: z.number().int() });

const Target = z
  .string()
  .trim()
  .min(3)
  .max(500)
  .describe('"@user@domain" or the actor URL (loopback tests use http:// URLs: acct: lookups use https)');
const AsPersona = z.object({
  persona: Handle.optional().describe('one of the account’s personas; the active one by default'),
});

function remoteActorView(actor: RemoteActor) {
  return {
    handle: actor.handle,
    iri: actor.iri,
    displayName: actor.displayName,
    avatarUrl: actor.avatarUrl,
    url: actor.url,
  };
}

/** `/me/follows`, `/me/following`, `/me/followers` (the acting persona's), `/personas/:handle/followers` (public counts). */
export function followsRoutes(ctx: AppContext): ApiRoute[] {
  /** The persona acting: the one named (if the account owns it) or the active one. */
  const actingPersona = async (account: Account, handle: string | undefined) => {
    if (handle) return findOwnedPersona(ctx.db, account.id, handle);
    if (!account.activePersonaId) return undefined;
    const persona = await findPersonaById(ctx.db, account.activePersonaId);
    return persona && !persona.deletedAt ? persona : undefined;
  };
  const noPersona = { errors: [{ field: 'persona', message: 'no such persona on this account' }] };

  return [
    defineRoute({
      method: 'post',
      path: '/me/follows',
      summary: 'Follow a remote actor (by @user@domain or actor URL)',
      description: 'Returns at once; the follow stays `pending` until the remote server accepts it.',
      tags: ['federation'],
      auth: 'session',
      body: AsPersona.extend({ target: Target }),
      responses: {
        201: { description: 'Now following (pending until accepted)', schema: FollowSchema },
        200: { description: 'Already following', schema: FollowSchema },
        404: 'No such remote actor, or no such persona',
        422: 'The target is not a remote actor, or its server is blocked',
      },
      handler: async ({ body, account, res }) => {
        const persona = await actingPersona(account, body.persona);
        if (!persona) return sendProblem(res, 404, 'Not found', noPersona);
        const result = await followRemote(ctx, persona.handle, body.target);
        if (result.ok) {
          return void res
            .status(result.created ? 201 : 200)
            .json({ actor: remoteActorView(result.follow.actor), state: result.follow.follow.state });
        }
        const field = (message: string) => ({ errors: [{ field: 'target', message }] });
        switch (result.reason) {
          case 'invalid-target':
            return sendProblem(res, 400, 'Invalid request', field('expected @user@domain or an actor URL'));
          case 'not-found':
            return sendProblem(res, 404, 'Not found', field('no actor found there'));
          case 'not-an-actor':
            return sendProblem(
              res,
              422,
              'Not an actor',
              field('this is not an account that can be followed'),
            );
          case 'local':
            return sendProblem(res, 422, 'Local actor', field('this actor is on this server'));
          case 'blocked':
            return sendProblem(
              res,
              422,
              'Blocked server',
              field('this server is blocked by the administrators'),
            );
          default:
            return assertNever(result.reason);
        }
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/me/follows/:target',
      summary: 'Stop following a remote actor (URL-encoded @user@domain or actor URL)',
      tags: ['federation'],
      auth: 'session',
      params: z.object({ target: Target }),
      query: AsPersona,
      responses: { 204: 'No longer following', 404: 'Not following this actor, or no such persona' },
      handler: async ({ params, query, account, res }) => {
        const persona = await actingPersona(account, query.persona);
        if (!persona) return sendProblem(res, 404, 'Not found', noPersona);
        const result = await unfollowRemote(ctx, persona.handle, params.target);
        if (!result.ok) return sendProblem(res, 404, 'Not found', { detail: 'Not following this actor.' });
        res.status(204).end();
      },
    }),
    ...(['following', 'followers'] as const).map((which) =>
      defineRoute({
        method: 'get',
        path: `/me/${which}`,
        summary:
          which === 'following'
            ? 'Remote actors the persona follows (pending ones included)'
            : 'Remote actors following the persona (visible to its owner only)',
        tags: ['federation'],
        auth: 'session',
        query: AsPersona,
        responses: { 200: { description: 'The follows', schema: FollowListSchema }, 404: 'No such persona' },
        handler: async ({ query, account, res }) => {
          const persona = await actingPersona(account, query.persona);
          if (!persona) return sendProblem(res, 404, 'Not found', noPersona);
          const rows = await listFollows(
            ctx.db,
            persona.handle,
            which === 'following' ? 'outbound' : 'inbound',
          );
          res.json({
            persona: persona.handle,
            follows: rows.map((r) => ({ actor: remoteActorView(r.actor), state: r.follow.state })),
          });
        },
      }),
    ),
    defineRoute({
      method: 'get',
      path: '/personas/:handle/followers',
      summary: 'How many follow this persona and how many it follows (counts only: the lists stay private)',
      tags: ['federation'],
      auth: 'public',
      params: z.object({ handle: Handle }),
      responses: { 200: { description: 'The counts', schema: CountsSchema }, 404: 'No such persona' },
      handler: async ({ params, res }) => {
        const local = await findLocalActor(ctx.db, params.handle);
        if (local?.kind !== 'persona' || local.deleted) return sendProblem(res, 404, 'Not found');
        res.json({
          followers: await countFollows(ctx.db, local.handle, 'inbound'),
          following: await countFollows(ctx.db, local.handle, 'outbound'),
        });
      },
    }),
  ];
}
