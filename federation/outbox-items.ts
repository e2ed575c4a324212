import type { Activity } from '@fedify/vocab';
import type { AppContext } from '../server/context.ts';

/**
 * HOOK (posts): the activities of a local actor's outbox, newest first, one page at a time.
 * `cursor` is opaque ('' for the first page); return `nextCursor: null` on the last page.
 * The posts code fills this in; until then outboxes are empty but well-formed.
 */
export async function outboxPage(
  _app: AppContext,
  _actor: string,
  _cursor: string,
): Promise<{ items: Activity[]; nextCursor: string | null }> {
  return { items: [], nextCursor: null };
}

/** HOOK (posts): how many activities `outboxPage` would list in all. */
export async function outboxCount(_app: AppContext, _actor: string): Promise<number> {
  return 0;
}
