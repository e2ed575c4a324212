import type { Activity } from '@fedify/vocab';
import { logger } from '../../server/logging.ts';

const log = logger('federation', 'inbox');

/** Logs why an incoming activity is ignored; handlers `return drop(activity, '…')`. */
export function drop(activity: Activity, why: string): void {
  log.debug('{type} {id} dropped: {why}', {
    type: activity.constructor.name,
    id: activity.id?.href ?? '(no id)',
    why,
  });
}
