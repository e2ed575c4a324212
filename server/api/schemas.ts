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

export const PublicPersonaSchema = z.object({
  handle: z.string(),
  displayName: z.string(),
  bio: z.string(),
  district: PublicDistrictSchema,
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
