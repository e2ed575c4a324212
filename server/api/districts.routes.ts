import { z } from 'zod';
import {
  createDistrict,
  type DistrictResult,
  deleteDistrict,
  districtView,
  listDistricts,
  updateDistrict,
} from '../../models/territory.ops.ts';
import { Slug } from '../../models/validation.ts';
import type { AppContext } from '../context.ts';
import { sendProblem } from '../problem.ts';
import { type ApiRoute, assertNever, defineRoute } from './registry.ts';
import { DistrictSchema } from './schemas.ts';

const SlugParams = z.object({ slug: Slug });
const Name = z.string().trim().min(1, { error: 'is required' }).max(100);
const Description = z.string().trim().max(2000);

/** Answers a failed district operation; every reason has its status. */
function districtProblem(
  res: Parameters<typeof sendProblem>[0],
  reason: Extract<DistrictResult, { ok: false }>['reason'],
) {
  switch (reason) {
    case 'slug-taken':
      return sendProblem(res, 409, 'Already taken', {
        errors: [{ field: 'slug', message: 'another district uses this slug' }],
      });
    case 'not-found':
      return sendProblem(res, 404, 'No such district');
    default:
      return assertNever(reason);
  }
}

/** `/districts`: the territory's districts (quartiers); anyone reads them, admins edit them. */
export function districtsRoutes(ctx: AppContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/districts',
      summary: 'The districts of the instance’s territory',
      tags: ['territory'],
      auth: 'public',
      responses: { 200: { description: 'The districts, by name', schema: z.array(DistrictSchema) } },
      handler: async ({ res }) => {
        res.json((await listDistricts(ctx.db)).map(districtView));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/districts',
      summary: 'Add a district',
      tags: ['territory'],
      auth: 'admin',
      body: z.object({ slug: Slug, name: Name, description: Description.optional() }),
      responses: {
        201: { description: 'The new district', schema: DistrictSchema },
        409: 'Another district uses this slug',
      },
      handler: async ({ body, res }) => {
        const result = await createDistrict(ctx.db, body);
        if (!result.ok) return districtProblem(res, result.reason);
        res.status(201).json(districtView(result.district));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/districts/:slug',
      summary: 'Rename a district or edit its description (the slug stays)',
      tags: ['territory'],
      auth: 'admin',
      params: SlugParams,
      body: z.object({ name: Name.optional(), description: Description.optional() }),
      responses: { 200: { description: 'The district', schema: DistrictSchema }, 404: 'No such district' },
      handler: async ({ params, body, res }) => {
        const result = await updateDistrict(ctx.db, params.slug, body);
        if (!result.ok) return districtProblem(res, result.reason);
        res.json(districtView(result.district));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/districts/:slug',
      summary: 'Remove a district; personas that declared it are left without one',
      tags: ['territory'],
      auth: 'admin',
      params: SlugParams,
      responses: { 204: 'Removed', 404: 'No such district' },
      handler: async ({ params, res }) => {
        const result = await deleteDistrict(ctx.db, params.slug);
        if (!result.ok) return districtProblem(res, result.reason);
        res.status(204).end();
      },
    }),
  ];
}
