import type { Federation } from '@fedify/fedify';
import { findLocalActor } from '../models/federation.ops.ts';
import { countFollows } from '../models/follows.ops.ts';
import type { AppContext } from '../server/context.ts';
import { FOLLOWERS_PATH, FOLLOWING_PATH, INSTANCE_ACTOR, OUTBOX_PATH } from './constants.ts';
import { outboxCount, outboxPage } from './outbox-items.ts';

/**
 * Followers and following are published as counts only (`totalItems`, no items): who follows
 * a resident is theirs to know, not a public list. Deliveries to followers do not read these
 * collections; they use the follows table (federation/delivery.ts).
 * The outbox is paged; its contents come from federation/outbox-items.ts.
 */
export function registerCollections(federation: Federation<AppContext>): void {
  const exists = async (app: AppContext, identifier: string) => {
    const local = await findLocalActor(app.db, identifier);
    return local !== undefined && local.handle === identifier && !local.deleted;
  };

  federation
    .setFollowersDispatcher(FOLLOWERS_PATH, async (ctx, identifier) =>
      (await exists(ctx.data, identifier)) ? { items: [] } : null,
    )
    .setCounter((ctx, identifier) => countFollows(ctx.data.db, identifier, 'inbound'));

  federation
    .setFollowingDispatcher(FOLLOWING_PATH, async (ctx, identifier) =>
      (await exists(ctx.data, identifier)) ? { items: [] } : null,
    )
    .setCounter((ctx, identifier) => countFollows(ctx.data.db, identifier, 'outbound'));

  federation
    .setOutboxDispatcher(OUTBOX_PATH, async (ctx, identifier, cursor) => {
      if (identifier === INSTANCE_ACTOR) return { items: [], nextCursor: null };
      if (cursor === null || !(await exists(ctx.data, identifier))) return null;
      return outboxPage(ctx.data, identifier, cursor);
    })
    .setCounter(async (ctx, identifier) =>
      identifier === INSTANCE_ACTOR ? 0 : outboxCount(ctx.data, identifier),
    )
    // No first page for the instance actor (its outbox is empty and unpaged) nor for unknown
    // actors, whose outbox then answers 404 through the dispatcher.
    .setFirstCursor(async (ctx, identifier) =>
      identifier !== INSTANCE_ACTOR && (await exists(ctx.data, identifier)) ? '' : null,
    );
}
