import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { uuidv7 } from '../ids.ts';
import { districts } from './territory.ts';

export const ROLES = ['resident', 'agent', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A person's login. The e-mail never leaves the account's own settings. */
export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id')
      .primaryKey()
      .$defaultFn(() => uuidv7()),
    email: text('email').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    role: text('role').$type<Role>().notNull().default('resident'),
    language: text('language').$type<'fr' | 'en'>(),
    activePersonaId: uuid('active_persona_id').references((): AnyPgColumn => personas.id, {
      onDelete: 'set null',
    }),
    suspendedAt: timestamp('suspended_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('accounts_role_check', sql`${t.role} IN ('resident', 'agent', 'moderator', 'admin')`),
    check('accounts_email_lower', sql`${t.email} = lower(${t.email})`),
  ],
);

/**
 * The namespace of local actor handles (personas, institutions, projects). A handle is never
 * given to anybody else once used, so a deleted actor cannot be impersonated on other servers.
 */
export const handles = pgTable(
  'handles',
  {
    handle: text('handle').primaryKey(),
    kind: text('kind').$type<'persona' | 'institution' | 'project' | 'reserved'>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('handles_format', sql`${t.handle} ~ '^[a-z0-9_]{2,30}$'`)],
);

/**
 * A pseudonym of an account. A deleted persona keeps its row as a tombstone (its handle and
 * keys, so that its deletion can be federated) but loses its content and its link to the account.
 */
export const personas = pgTable(
  'personas',
  {
    // Random (v4), not time-ordered like other ids: a persona's id must not tell when it was
    // made, which would match a deleted persona's tombstone to its account's own v7 id.
    id: uuid('id')
      .primaryKey()
      .$defaultFn(() => randomUUID()),
    accountId: uuid('account_id').references((): AnyPgColumn => accounts.id, { onDelete: 'set null' }),
    handle: text('handle')
      .notNull()
      .unique()
      .references(() => handles.handle),
    displayName: text('display_name').notNull(),
    bio: text('bio').notNull().default(''),
    districtId: uuid('district_id').references(() => districts.id, { onDelete: 'set null' }),
    discoverable: boolean('discoverable').notNull().default(false),
    indexable: boolean('indexable').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('personas_account_idx').on(t.accountId)],
);

/** Browser sessions (express-session compatible), kept in the database so several processes share them. */
export const sessions = pgTable(
  'sessions',
  {
    sid: text('sid').primaryKey(),
    data: jsonb('data').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_expires_idx').on(t.expiresAt)],
);

/** Fixed-window counters for rate limiting, shared by every process. */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  resetAt: timestamp('reset_at', { withTimezone: true }).notNull(),
});

export type Account = typeof accounts.$inferSelect;
export type Persona = typeof personas.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type DistrictRow = typeof districts.$inferSelect;
