import {
  badgeStatusLists,
  expireBadges,
  removePersonaBadges,
  removeRevokedBadges,
} from '../models/badges.ops.ts';
import { verifierFor } from './badge-requests.ts';
import type { AppContext } from './context.ts';
import { logger } from './logging.ts';

const log = logger('badges');

/**
 * Removes the badges whose credential the issuer has since revoked. Each status list the
 * stored badges point into is fetched whole, once per run, by the same request whoever holds
 * a badge from it: the identity service learns nothing about which badge is being checked.
 * A list that cannot be fetched or verified keeps its badges until the next run (they still
 * go at expiry).
 */
export async function checkBadgeStatuses(ctx: AppContext): Promise<{ removed: number; failed: number }> {
  let removed = 0;
  let failed = 0;
  const verifier = verifierFor(ctx);
  for (const list of await badgeStatusLists(ctx.db)) {
    let fetched: Awaited<ReturnType<typeof verifier.statusList>>;
    try {
      fetched = await verifier.statusList(list.issuer, list.uri);
    } catch (error) {
      failed++;
      log.warn('Fetching the status list {uri} failed: {error}', { uri: list.uri, error });
      continue;
    }
    if (!fetched) {
      // An issuer no longer pinned, or a list off its origin: nothing of it is trusted any more.
      failed++;
      continue;
    }
    const result = await removeRevokedBadges(ctx.db, list, fetched.statusOf);
    removed += result.removed;
    await announce(ctx, result.personaIds);
  }
  return { removed, failed };
}

/** Expired badges and revoked ones go; followers get the updated actors. */
export async function runBadgeHousekeeping(ctx: AppContext): Promise<void> {
  const expired = await expireBadges(ctx.db);
  await announce(ctx, expired.personaIds);
  if (ctx.config.identityIssuers.length > 0) await checkBadgeStatuses(ctx);
}

async function announce(ctx: AppContext, personaIds: string[]) {
  for (const personaId of personaIds) await ctx.events.emit({ type: 'persona.updated', personaId });
}

/** A deleted persona loses its badges and pending requests at once (its row stays as a tombstone). */
export function registerBadgeCleanup(ctx: AppContext): () => void {
  return ctx.events.on('persona.deleted', async ({ personaId }) => {
    await removePersonaBadges(ctx.db, personaId);
  });
}
