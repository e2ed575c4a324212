import type { Federation } from '@fedify/fedify';
import { Accept, Announce, Block, Create, Delete, Follow, Like, Reject, Undo, Update } from '@fedify/vocab';
import type { AppContext } from '../server/context.ts';
import { logger } from '../server/logging.ts';
import { INBOX_PATH, INSTANCE_ACTOR, SHARED_INBOX_PATH } from './constants.ts';
import { onAccept } from './inbox/accept.handler.ts';
import { onBlock } from './inbox/block.handler.ts';
import { onDelete, onUnverifiedDelete } from './inbox/delete.handler.ts';
import { onFollow } from './inbox/follow.handler.ts';
import { onCreate, onUpdate } from './inbox/note.handler.ts';
import { onAnnounce, onLike } from './inbox/reaction.handler.ts';
import { onReject } from './inbox/reject.handler.ts';
import { onUndo } from './inbox/undo.handler.ts';

const log = logger('federation', 'inbox');

/**
 * The inbox: one line per activity type, each pointing at its handler under federation/inbox/.
 * Handlers drop what they cannot use (logging why) and throw only on transient failures, so
 * that the queue retries. Duplicate deliveries of one activity id are processed once (Fedify's
 * idempotence, kept in the KV store).
 */
export function registerInbox(federation: Federation<AppContext>): void {
  federation
    .setInboxListeners(INBOX_PATH, SHARED_INBOX_PATH)
    .setSharedKeyDispatcher(() => ({ identifier: INSTANCE_ACTOR }))
    .withIdempotency('per-inbox')
    .on(Follow, onFollow)
    .on(Accept, onAccept)
    .on(Reject, onReject)
    .on(Undo, onUndo)
    .on(Delete, onDelete)
    .on(Block, onBlock)
    .on(Create, onCreate)
    .on(Update, onUpdate)
    .on(Like, onLike)
    .on(Announce, onAnnounce)
    .onUnverifiedActivity(onUnverifiedDelete)
    .onError((_ctx, error) => {
      log.error('Inbox handler failed (will be retried): {error}', { error });
    });
}
