import { z } from 'zod';

/** Field rules shared by every edge (API, forms, CLI) so they cannot drift apart. */
export const Email = z
  .email({ error: 'must be a valid e-mail address' })
  .max(254)
  .transform((v) => v.trim().toLowerCase());
export const Password = z
  .string()
  .min(10, { error: 'must be at least 10 characters' })
  .max(200, { error: 'must be at most 200 characters' });
// The pattern is checked before the transform so that it shows in the OpenAPI document; it
// accepts the same inputs as before (an optional @, any case), normalised to lower case.
export const Handle = z
  .string()
  .trim()
  .regex(/^@?[A-Za-z0-9_]{2,30}$/, { error: '2 to 30 characters: lowercase letters, digits and _' })
  .transform((v) => v.replace(/^@/, '').toLowerCase());
export const DisplayName = z.string().trim().min(1, { error: 'is required' }).max(60);
export const Bio = z.string().trim().max(500).default('');
export const Slug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'lowercase letters, digits and dashes' })
  .max(60);
