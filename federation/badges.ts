import type { PropertyValue } from '@fedify/vocab';
import type { Persona } from '../models/schema/index.ts';
import type { AppContext } from '../server/context.ts';

/**
 * HOOK (badges): a persona's verified badges as `PropertyValue` attachments of its actor
 * (name = the label naming the issuer, value = the attribute). Returns none until
 * `models/badges.ops.ts` (`listActiveBadges`, `badgeLabel`) exists; wire it here then.
 */
export async function personaBadgeAttachments(_app: AppContext, _persona: Persona): Promise<PropertyValue[]> {
  return [];
}
