import type { MessageQueue } from '@fedify/fedify';
import type { Database } from '../../models/db.ts';
import {
  DatabaseMessageQueue,
  type DatabaseMessageQueueOptions,
  QUEUE_CHANNEL,
} from './database-message-queue.ts';

export { DatabaseMessageQueue, type DatabaseMessageQueueOptions, QUEUE_CHANNEL };

/**
 * The instance's MessageQueue for Fedify: on the instance's own database. Pass
 * `concurrency: config.queueConcurrency`.
 */
export function createMessageQueue(
  database: Database,
  options: DatabaseMessageQueueOptions & { concurrency: number },
): MessageQueue {
  return new DatabaseMessageQueue(database, options);
}
