import type { Federation } from '@fedify/fedify';
import { nodeInfoUsage } from '../models/federation.ops.ts';
import type { AppContext } from '../server/context.ts';

/** NodeInfo 2.1 with real counts: live personas and institutions are the users. */
export function registerNodeInfo(federation: Federation<AppContext>): void {
  federation.setNodeInfoDispatcher('/nodeinfo/2.1', async (ctx) => {
    const usage = await nodeInfoUsage(ctx.data.db);
    return {
      software: { name: 'parvis', version: '0.1.0' },
      protocols: ['activitypub'],
      // Anyone may create an account (residence is proven later, with badges).
      openRegistrations: true,
      usage: {
        users: { total: usage.users, activeMonth: usage.activeMonth, activeHalfyear: usage.activeHalfyear },
        localPosts: usage.localPosts,
        localComments: 0,
      },
      metadata: { nodeName: ctx.data.config.instanceName },
    };
  });
}
