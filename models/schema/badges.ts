import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { personas } from './accounts.ts';

/** The claims a badge may carry, as disclosed by the resident (never the credential itself). */
export type BadgeDisclosed = { resident_of?: string; district?: string; age_range?: string };

/**
 * A verified badge on a persona. Only what IDENTITY.md allows: issuer, type, disclosed values,
 * expiry, holder-key thumbprint and the verification date (rounded to the day, so that two
 * personas' badges verified minutes apart do not line up). Never the raw credential.
 */
export const badges = pgTable(
  'badges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personaId: uuid('persona_id')
      .notNull()
      .references(() => personas.id, { onDelete: 'cascade' }),
    issuer: text('issuer').notNull(),
    issuerName: text('issuer_name').notNull(),
    type: text('type').notNull(),
    disclosed: jsonb('disclosed').$type<BadgeDisclosed>().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    holderKeyThumbprint: text('holder_key_thumbprint').notNull(),
    verifiedOn: timestamp('verified_on', { withTimezone: true }).notNull(),
    /**
     * Where the credential's revocation bit lives (its Token Status List and index), so that a
     * scheduled fetch of whole lists can remove a revoked badge without asking about it. Each
     * credential has its own random index, so the pair links no two personas. Null only for
     * badges stored before this column (they go at expiry).
     */
    statusUri: text('status_uri'),
    statusIdx: integer('status_idx'),
    /**
     * Set while the badge waits for its persona's owner: anyone handed a request's wallet link
     * can answer it, so the badge shows only once the owner's browser opens the response code's
     * address (OpenID4VP's response code). SHA-256 of that code, and its deadline.
     */
    pendingCodeHash: text('pending_code_hash').unique(),
    pendingUntil: timestamp('pending_until', { withTimezone: true }),
  },
  (t) => [
    index('badges_persona_idx').on(t.personaId, t.expiresAt),
    index('badges_status_idx').on(t.statusUri),
  ],
);

/**
 * Credentials already presented, by SHA-256 of their issuer-signed part, with no link to any
 * persona: a credential is single use across the whole platform. Rows can go once expired.
 */
export const usedCredentials = pgTable('used_credentials', {
  credentialHash: text('credential_hash').primaryKey(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** A pending OpenID4VP request: the single-use nonce and state handed to the wallet. */
export const badgeRequests = pgTable(
  'badge_requests',
  {
    state: text('state').primaryKey(),
    nonce: text('nonce').notNull().unique(),
    personaId: uuid('persona_id')
      .notNull()
      .references(() => personas.id, { onDelete: 'cascade' }),
    claims: jsonb('claims').$type<string[]>().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('badge_requests_expires_idx').on(t.expiresAt)],
);

export type Badge = typeof badges.$inferSelect;
