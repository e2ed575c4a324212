import type {
  MessageQueue,
  MessageQueueDepth,
  MessageQueueEnqueueOptions,
  MessageQueueListenOptions,
} from '@fedify/fedify';
import type { Db } from '../models/db.ts';
import { isDomainBlocked } from '../models/instances.ops.ts';
import { logger } from '../server/logging.ts';

const log = logger('federation', 'delivery');

/**
 * Wraps the queue so that a delivery enqueued before its server was blocked is dropped when
 * its turn comes, instead of going out (sendToActors filters new deliveries; this catches the
 * ones already waiting, retries included; a batch of first attempts checks its servers itself,
 * see outbox-batches.ts). Everything else passes through unchanged. When the
 * check itself fails (the database is out of reach), the handler throws and the queue gives
 * the job back for a later run (see QueueWorker), so a short outage loses no delivery.
 */
export function withBlockedDeliveriesDropped(queue: MessageQueue, db: Db): MessageQueue {
  const wrapped: MessageQueue = {
    nativeRetrial: queue.nativeRetrial,
    enqueue: (message: unknown, options?: MessageQueueEnqueueOptions) => queue.enqueue(message, options),
    listen(handler: (message: unknown) => Promise<void> | void, options?: MessageQueueListenOptions) {
      return queue.listen(async (message: unknown) => {
        const inbox = outboxInbox(message);
        if (inbox && (await isDomainBlocked(db, inbox.host))) {
          log.debug('Delivery to {inbox} dropped: its server is blocked', { inbox: inbox.href });
          return;
        }
        await handler(message);
      }, options);
    },
  };
  const enqueueMany = queue.enqueueMany?.bind(queue);
  if (enqueueMany) wrapped.enqueueMany = (messages, options) => enqueueMany(messages, options);
  const getDepth = queue.getDepth?.bind(queue);
  if (getDepth) wrapped.getDepth = (): Promise<MessageQueueDepth> => getDepth();
  return wrapped;
}

/** The target inbox of one of Fedify's outbox (single delivery) messages. */
function outboxInbox(message: unknown): URL | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as { type?: unknown; inbox?: unknown };
  if (m.type !== 'outbox' || typeof m.inbox !== 'string' || !URL.canParse(m.inbox)) return undefined;
  return new URL(m.inbox);
}
