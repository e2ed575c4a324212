import { z } from 'zod';
import { ROLES } from '../../models/schema/index.ts';

/**
 * Response shapes shared by several API resources. Views are built field by field in models/
 * (never by spreading a row); these schemas describe them for the OpenAPI document.
 */
export const Language = z.enum(['fr', 'en']);

export const PublicDistrictSchema = z
  .object({
    slug: z.string(),
    name: z.string(),
    verified: z.boolean().describe('false until a badge vouches for the district'),
  })
  .nullable();

/** A verified badge as anyone sees it: issuer and disclosed attributes, no key, no exact dates. */
export const PublicBadgeSchema = z.object({
  id: z.string(),
  issuerName: z.string(),
  issuerUrl: z.string(),
  label: z.string().describe('what was verified, e.g. "Résident·e vérifié·e — quartier Centre — 30–39 ans"'),
  residentOf: z.string().optional(),
  district: z.string().optional(),
  ageRange: z.string().optional(),
  expiresMonth: z.string().describe('YYYY-MM: only the month, so dates cannot match two personas'),
});

export const PublicPersonaSchema = z.object({
  handle: z.string(),
  displayName: z.string(),
  bio: z.string(),
  district: PublicDistrictSchema,
  badges: z.array(PublicBadgeSchema).describe('active verified badges, in the Accept-Language'),
});

/** A persona as its owner sees it in their own settings. */
export const OwnPersonaSchema = PublicPersonaSchema.extend({
  discoverable: z.boolean(),
  indexable: z.boolean(),
  active: z.boolean(),
});

export const AccountSelfSchema = z.object({
  email: z.string().describe('private: shown only here, in the account’s own settings'),
  role: z.enum(ROLES),
  language: Language.nullable(),
  createdAt: z.string(),
  activePersona: z.string().nullable().describe('handle of the active persona'),
  personas: z.array(OwnPersonaSchema),
});

export const SessionSchema = z.discriminatedUnion('authenticated', [
  z.object({ authenticated: z.literal(false) }),
  z.object({
    authenticated: z.literal(true),
    role: z.enum(ROLES),
    activePersona: z.string().nullable(),
  }),
]);

export const DistrictSchema = z.object({ slug: z.string(), name: z.string(), description: z.string() });

export const InstanceSchema = z.object({
  name: z.string(),
  description: z.string(),
  defaultLanguage: Language,
  languages: z.array(Language),
});
