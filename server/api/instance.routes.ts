import { z } from 'zod';
import { getInstanceSettings, updateInstanceSettings } from '../../models/territory.ops.ts';
import type { AppContext } from '../context.ts';
import { type ApiRoute, defineRoute } from './registry.ts';
import { InstanceSchema } from './schemas.ts';

async function instanceView(ctx: AppContext): Promise<z.output<typeof InstanceSchema>> {
  const settings = await getInstanceSettings(ctx.db, { name: ctx.config.instanceName });
  return { ...settings, defaultLanguage: ctx.config.defaultLanguage, languages: ['fr', 'en'] };
}

/** `/instance`: the instance's (the town's) name and description; admins edit them. */
export function instanceRoutes(ctx: AppContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/instance',
      summary: 'The instance: its name, description and languages',
      tags: ['territory'],
      auth: 'public',
      responses: { 200: { description: 'The instance', schema: InstanceSchema } },
      handler: async ({ res }) => {
        res.json(await instanceView(ctx));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/instance',
      summary: 'Rename the instance or edit its description',
      tags: ['territory'],
      auth: 'admin',
      body: z.object({
        name: z.string().trim().min(1, { error: 'is required' }).max(100).optional(),
        description: z.string().trim().max(2000).optional(),
      }),
      responses: { 200: { description: 'The instance', schema: InstanceSchema } },
      handler: async ({ body, res }) => {
        await updateInstanceSettings(ctx.db, body);
        res.json(await instanceView(ctx));
      },
    }),
  ];
}
