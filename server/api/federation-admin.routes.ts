import { z } from 'zod';
import {
  blockDomain,
  listDomainBlocks,
  listKnownInstances,
  unblockDomain,
} from '../../models/instances.ops.ts';
import type { AppContext } from '../context.ts';
import { sendProblem } from '../problem.ts';
import { type ApiRoute, defineRoute } from './registry.ts';

const DomainBlockSchema = z.object({ domain: z.string(), reason: z.string(), createdAt: z.string() });
const InstanceSchema = z.object({
  domain: z.string(),
  software: z.string().nullable(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  actors: z.number().int(),
  blocked: z.boolean(),
});
const Domain = z.string().trim().min(1).max(253).describe('a host name, with the port when not the default');

/** Admin: domain blocks (nothing in, nothing out) and the servers we know. */
export function federationAdminRoutes(ctx: AppContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/admin/domain-blocks',
      summary: 'Blocked servers',
      tags: ['admin', 'federation'],
      auth: 'admin',
      responses: {
        200: { description: 'The blocks', schema: z.object({ blocks: z.array(DomainBlockSchema) }) },
      },
      handler: async ({ res }) => {
        const blocks = await listDomainBlocks(ctx.db);
        res.json({
          blocks: blocks.map((b) => ({
            domain: b.domain,
            reason: b.reason,
            createdAt: b.createdAt.toISOString(),
          })),
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/domain-blocks',
      summary: 'Block a server: its activities are dropped, nothing is sent to it, follows with it end',
      tags: ['admin', 'federation'],
      auth: 'admin',
      body: z.object({ domain: Domain, reason: z.string().trim().max(500).optional() }),
      responses: {
        201: { description: 'Blocked', schema: DomainBlockSchema },
        200: { description: 'Was already blocked', schema: DomainBlockSchema },
      },
      handler: async ({ body, res }) => {
        const result = await blockDomain(ctx.db, { domain: body.domain, reason: body.reason });
        if (!result.ok) {
          return sendProblem(res, 400, 'Invalid request', {
            errors: [{ field: 'domain', message: 'not a domain name' }],
          });
        }
        const b = result.block;
        res
          .status(result.created ? 201 : 200)
          .json({ domain: b.domain, reason: b.reason, createdAt: b.createdAt.toISOString() });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/admin/domain-blocks/:domain',
      summary: 'Lift a domain block',
      tags: ['admin', 'federation'],
      auth: 'admin',
      params: z.object({ domain: Domain }),
      responses: { 204: 'Unblocked', 404: 'Not blocked' },
      handler: async ({ params, res }) => {
        const result = await unblockDomain(ctx.db, params.domain);
        if (!result.ok) return sendProblem(res, 404, 'Not found', { detail: 'This domain is not blocked.' });
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/instances',
      summary: 'Servers this instance has exchanged with',
      tags: ['admin', 'federation'],
      auth: 'admin',
      responses: {
        200: { description: 'The servers', schema: z.object({ instances: z.array(InstanceSchema) }) },
      },
      handler: async ({ res }) => {
        const rows = await listKnownInstances(ctx.db);
        res.json({
          instances: rows.map((r) => ({
            ...r,
            firstSeenAt: r.firstSeenAt.toISOString(),
            lastSeenAt: r.lastSeenAt.toISOString(),
          })),
        });
      },
    }),
  ];
}
