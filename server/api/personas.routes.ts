import { z } from 'zod';
import {
  createPersona,
  deletePersona,
  findPersonaByHandle,
  listOwnPersonaViews,
  ownPersonaView,
  publicPersonaView,
  switchActivePersona,
  updatePersona,
} from '../../models/personas.ops.ts';
import { Bio, DisplayName, Handle, Slug } from '../../models/validation.ts';
import type { AppContext } from '../context.ts';
import { sendProblem } from '../problem.ts';
import { type ApiRoute, assertNever, defineRoute } from './registry.ts';
import { OwnPersonaSchema, PublicPersonaSchema } from './schemas.ts';

const HandleParams = z.object({ handle: Handle });

const CreatePersonaBody = z.object({
  handle: Handle,
  displayName: DisplayName,
  bio: Bio.optional(),
  district: Slug.nullable().optional().describe('slug of a district of the instance (unverified)'),
});

const UpdatePersonaBody = z.object({
  displayName: DisplayName.optional(),
  bio: Bio.optional(),
  district: Slug.nullable().optional().describe('slug of a district, or null to clear it'),
  discoverable: z.boolean().optional(),
  indexable: z.boolean().optional().describe('lets search engines index the public profile'),
});

const OwnPersonasSchema = z.object({
  activePersona: z.string().nullable(),
  personas: z.array(OwnPersonaSchema),
});

const unknownDistrict = { errors: [{ field: 'district', message: 'no such district' }] };

/** `/me/personas` (the account's pseudonyms) and `/personas/:handle` (what anyone may see of one). */
export function personasRoutes(ctx: AppContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/me/personas',
      summary: 'The account’s personas and which one is active',
      tags: ['personas'],
      auth: 'session',
      responses: { 200: { description: 'The personas', schema: OwnPersonasSchema } },
      handler: async ({ account, res }) => {
        res.json(await listOwnPersonaViews(ctx.db, account.id));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/me/personas',
      summary: 'Create a persona (a pseudonym with its own handle)',
      tags: ['personas'],
      auth: 'session',
      body: CreatePersonaBody,
      responses: {
        201: { description: 'The new persona', schema: OwnPersonaSchema },
        409: 'The handle is taken, or the account has the maximum number of personas',
      },
      handler: async ({ body, account, res }) => {
        const result = await createPersona(ctx, account.id, {
          handle: body.handle,
          displayName: body.displayName,
          bio: body.bio,
          districtSlug: body.district,
        });
        if (!result.ok) {
          switch (result.reason) {
            case 'handle-taken':
              return sendProblem(res, 409, 'Already taken', {
                errors: [{ field: 'handle', message: 'this handle is taken' }],
              });
            case 'too-many-personas':
              return sendProblem(res, 409, 'Too many personas', {
                detail: 'Delete a persona before creating another.',
              });
            case 'unknown-district':
              return sendProblem(res, 400, 'Invalid request', unknownDistrict);
            default:
              return assertNever(result.reason);
          }
        }
        res.status(201).json(await ownPersonaView(ctx.db, result.persona, account.activePersonaId));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/me/personas/:handle',
      summary: 'Rename a persona or edit its profile (the handle never changes)',
      tags: ['personas'],
      auth: 'session',
      params: HandleParams,
      body: UpdatePersonaBody,
      responses: {
        200: { description: 'The persona', schema: OwnPersonaSchema },
        404: 'The account has no such persona',
      },
      handler: async ({ params, body, account, res }) => {
        const result = await updatePersona(ctx, account.id, params.handle, {
          displayName: body.displayName,
          bio: body.bio,
          districtSlug: body.district,
          discoverable: body.discoverable,
          indexable: body.indexable,
        });
        if (!result.ok) {
          switch (result.reason) {
            case 'not-found':
              return sendProblem(res, 404, 'No such persona');
            case 'unknown-district':
              return sendProblem(res, 400, 'Invalid request', unknownDistrict);
            default:
              return assertNever(result.reason);
          }
        }
        res.json(await ownPersonaView(ctx.db, result.persona, account.activePersonaId));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/me/personas/:handle',
      summary: 'Delete a persona; its handle is never given to anybody else',
      tags: ['personas'],
      auth: 'session',
      params: HandleParams,
      responses: {
        204: 'Deleted',
        404: 'The account has no such persona',
        409: 'The last persona of an account cannot be deleted (delete the account instead)',
      },
      handler: async ({ params, account, res }) => {
        const result = await deletePersona(ctx, account.id, params.handle);
        if (!result.ok) {
          switch (result.reason) {
            case 'not-found':
              return sendProblem(res, 404, 'No such persona');
            case 'last-persona':
              return sendProblem(res, 409, 'Last persona', {
                detail: 'An account keeps at least one persona.',
              });
            default:
              return assertNever(result.reason);
          }
        }
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'post',
      path: '/me/personas/:handle/activate',
      summary: 'Make a persona the active one (the one the account speaks as)',
      tags: ['personas'],
      auth: 'session',
      params: HandleParams,
      responses: {
        200: { description: 'The persona, now active', schema: OwnPersonaSchema },
        404: 'The account has no such persona',
      },
      handler: async ({ params, account, res }) => {
        const result = await switchActivePersona(ctx.db, account.id, params.handle);
        if (!result.ok) {
          switch (result.reason) {
            case 'not-found':
              return sendProblem(res, 404, 'No such persona');
            default:
              return assertNever(result.reason);
          }
        }
        res.json(await ownPersonaView(ctx.db, result.persona, result.persona.id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/personas/:handle',
      summary: 'A persona’s public profile',
      description:
        'Never carries an e-mail, an id, a creation time or any other persona of the account. ' +
        'Answers with `X-Robots-Tag: noindex` unless the persona opted into indexing.',
      tags: ['personas'],
      auth: 'public',
      params: HandleParams,
      responses: {
        200: {
          description: 'The public profile',
          schema: PublicPersonaSchema,
          headers: { 'X-Robots-Tag': 'noindex unless opted in' },
        },
        404: 'No such persona',
      },
      handler: async ({ params, req, res }) => {
        const persona = await findPersonaByHandle(ctx.db, params.handle);
        if (!persona) return sendProblem(res, 404, 'No such persona');
        if (!persona.indexable) res.setHeader('X-Robots-Tag', 'noindex, nofollow');
        const lang = req.acceptsLanguages('fr', 'en') === 'en' ? 'en' : 'fr';
        res.json(await publicPersonaView(ctx.db, persona, { lang }));
      },
    }),
  ];
}
