import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

// The identity service's own tables. Nothing here is shared with the platform, and no
// table records where or by which pseudonym a credential is used.

export const operators = pgTable('identity_operators', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One row per person. Only what IDENTITY.md lists: de-duplication HMAC, district, age
 * bracket bounds (ages, and the first day of the month in which the bracket ends, so that
 * credentials never outlive it), methods, dates, status, expiry. No name, no birthdate,
 * no address, no document copy.
 */
export const persons = pgTable('identity_persons', {
  id: uuid('id').primaryKey().defaultRandom(),
  dedupKey: text('dedup_key').notNull().unique(),
  resident: boolean('resident').notNull().default(false),
  district: text('district'),
  ageMin: integer('age_min'),
  ageMax: integer('age_max'),
  ageBracketEndsAt: timestamp('age_bracket_ends_at', { withTimezone: true }),
  methods: jsonb('methods').$type<EnrolmentMethod[]>().notNull(),
  enrolledAt: timestamp('enrolled_at', { withTimezone: true }).notNull().defaultNow(),
  status: text('status').$type<PersonStatus>().notNull().default('active'),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

export type EnrolmentMethod = 'desk' | 'letter' | 'eid';
export type PersonStatus = 'active' | 'moved-out';

/**
 * A pending postal-letter enrolment. The mailing block (name and address) is kept only
 * until the code is confirmed or expires, because the mail room must print it.
 */
export const letterRequests = pgTable('identity_letter_requests', {
  id: uuid('id').primaryKey().defaultRandom(),
  dedupKey: text('dedup_key').notNull(),
  district: text('district').notNull(),
  mailingBlock: text('mailing_block'),
  codeHash: text('code_hash').notNull(),
  attempts: integer('attempts').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
});

/** A private JWK sealed with AES-256-GCM under a key derived from the service secret. */
export type SealedJwk = { enc: 'A256GCM'; iv: string; ct: string; tag: string };

/** One issuer signing key; retired keys stay published until their credentials expire. */
export const issuerKeys = pgTable('identity_issuer_keys', {
  kid: text('kid').primaryKey(),
  privateJwk: jsonb('private_jwk').$type<SealedJwk>().notNull(),
  publicJwk: jsonb('public_jwk').$type<JsonWebKey>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
  publishUntil: timestamp('publish_until', { withTimezone: true }),
});

/** Token Status List entries: random indices, linked to the person only for revocation. */
export const statusEntries = pgTable(
  'identity_status_entries',
  {
    listId: integer('list_id').notNull(),
    idx: integer('idx').notNull(),
    personId: uuid('person_id').references(() => persons.id, { onDelete: 'set null' }),
    revoked: boolean('revoked').notNull().default(false),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.idx] }), index('identity_status_person_idx').on(t.personId)],
);

/** OpenID4VCI pre-authorised codes, access and refresh tokens (all stored hashed). */
export const grants = pgTable('identity_grants', {
  hash: text('hash').primaryKey(),
  kind: text('kind').$type<'pre-authorized-code' | 'access' | 'refresh'>().notNull(),
  personId: uuid('person_id')
    .notNull()
    .references(() => persons.id, { onDelete: 'cascade' }),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});

/** OpenID Connect login attempts against the national eID (state, nonce, PKCE verifier). */
export const loginStates = pgTable('identity_login_states', {
  state: text('state').primaryKey(),
  nonce: text('nonce').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** Desk operator sessions (hashed cookie value). */
export const operatorSessions = pgTable('identity_operator_sessions', {
  hash: text('hash').primaryKey(),
  operatorId: uuid('operator_id')
    .notNull()
    .references(() => operators.id, { onDelete: 'cascade' }),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});
