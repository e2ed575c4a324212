import { PropertyValue } from '@fedify/vocab';
import { listActiveBadges } from '../models/badges.ops.ts';
import type { Persona } from '../models/schema/index.ts';
import type { AppContext } from '../server/context.ts';

const NAMES = {
  fr: { residentOf: 'Résident·e vérifié·e', district: 'Quartier vérifié', ageRange: 'Âge vérifié' },
  en: { residentOf: 'Verified resident', district: 'Verified district', ageRange: 'Verified age' },
} as const;

function ageValue(range: string, lang: 'fr' | 'en'): string {
  const shown = range.replace('-', '–');
  if (lang === 'en') return `aged ${shown}`;
  return range.endsWith('+') ? `${range.slice(0, -1)} ans et plus` : `${shown} ans`;
}

/**
 * A persona's verified badges as `PropertyValue` attachments of its actor, one per disclosed
 * attribute: the name says what was verified and by which issuer, the value is the attribute
 * ("Résident·e vérifié·e (Ville de X)" → "Ville de X"). Expiry and verification dates stay out:
 * they could match one persona's badges to another's.
 */
export async function personaBadgeAttachments(app: AppContext, persona: Persona): Promise<PropertyValue[]> {
  const lang = app.config.defaultLanguage;
  const names = NAMES[lang];
  const out: PropertyValue[] = [];
  for (const badge of await listActiveBadges(app.db, persona.id, { lang })) {
    const attributes: [keyof typeof names, string | undefined][] = [
      ['residentOf', badge.residentOf],
      ['district', badge.district],
      ['ageRange', badge.ageRange && ageValue(badge.ageRange, lang)],
    ];
    for (const [key, value] of attributes) {
      if (!value) continue;
      out.push(new PropertyValue({ name: `${names[key]} (${badge.issuerName})`, value }));
    }
  }
  return out;
}
