import { z } from 'zod';
import { reconcileDeliveryStates, retryDeliveriesNow } from '../../federation/delivery-state.ts';
import {
  blockDomain,
  findKnownInstance,
  type KnownInstanceView,
  listDomainBlocks,
  listKnownInstances,
  normalizeDomain,
  unblockDomain,
} from '../../models/instances.ops.ts';
import { DELIVERY_STATES } from '../../models/schema/index.ts';
import type { AppContext } from '../context.ts';
import { sendProblem } from '../problem.ts';
import { type ApiRoute, assertNever, defineRoute } from './registry.ts';

const DomainBlockSchema = z.object({ domain: z.string(), reason: z.string(), createdAt: z.string() });
const InstanceSchema = z.object({
  domain: z.string(),
  software: z.string().nullable(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  actors: z.number().int(),
  blocked: z.boolean(),
  deliveryState: z
    .enum(DELIVERY_STATES)
    .describe(
      'available; unavailable: repeated failures, deliveries are held and not attempted; probing: one delivery tests whether it is back',
    ),
  unavailableSince: z.string().nullable().describe('start of the current outage (null while available)'),
  deliveryStateChangedAt: z.string().nullable(),
  droppedActivities: z
    .number()
    .int()
    .describe('activities given up because the server stayed unavailable longer than they are held'),
});
const Domain = z.string().trim().min(1).max(253).describe('a host name, with the port when not the default');

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function instanceJson(r: KnownInstanceView): z.infer<typeof InstanceSchema> {
  return {
    ...r,
    firstSeenAt: r.firstSeenAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    unavailableSince: iso(r.unavailableSince),
    deliveryStateChangedAt: iso(r.deliveryStateChangedAt),
  };
}

/** Admin: domain blocks (nothing in, nothing out), the servers we know and delivery to them. */
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
      summary: 'Servers this instance has exchanged with, and whether deliveries to them are held',
      tags: ['admin', 'federation'],
      auth: 'admin',
      query: z.object({
        delivery: z.enum(DELIVERY_STATES).optional().describe('only the servers in this delivery state'),
      }),
      responses: {
        200: { description: 'The servers', schema: z.object({ instances: z.array(InstanceSchema) }) },
      },
      handler: async ({ query, res }) => {
        await reconcileDeliveryStates(ctx.database);
        const rows = await listKnownInstances(ctx.db, { deliveryState: query.delivery });
        res.json({ instances: rows.map(instanceJson) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/instances/:domain/retry-deliveries',
      summary: 'Retry now: end the wait for an unavailable server',
      description:
        'One held delivery is sent at once as a probe; if the server answers, the others follow. ' +
        'If it still fails, the server stays unavailable for another retry delay.',
      tags: ['admin', 'federation'],
      auth: 'admin',
      params: z.object({ domain: Domain }),
      responses: {
        202: {
          description: 'Deliveries are being retried',
          schema: z.object({ instance: InstanceSchema, released: z.number().int() }),
        },
        404: 'No known server of that name',
        409: 'Deliveries to this server are not held (it is available)',
      },
      handler: async ({ params, res }) => {
        const domain = normalizeDomain(params.domain);
        if (!domain) {
          return sendProblem(res, 400, 'Invalid request', {
            errors: [{ field: 'domain', message: 'not a domain name' }],
          });
        }
        const result = await retryDeliveriesNow(ctx, domain);
        if (!result.ok) {
          switch (result.reason) {
            case 'unknown-instance':
              return sendProblem(res, 404, 'Not found', { detail: 'This instance knows no such server.' });
            case 'not-held':
              return sendProblem(res, 409, 'Not held', {
                detail: 'Deliveries to this server are not held: it is available.',
              });
            default:
              return assertNever(result.reason);
          }
        }
        const instance = await findKnownInstance(ctx.db, domain);
        if (!instance)
          return sendProblem(res, 404, 'Not found', { detail: 'This instance knows no such server.' });
        res.status(202).json({ instance: instanceJson(instance), released: result.released });
      },
    }),
  ];
}
