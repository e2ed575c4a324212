import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { uuidv7 } from '../ids.ts';

/**
 * Key pairs of local actors (personas, institutions, the instance itself), generated once and
 * kept: other servers cache our public keys, so a new key would break every signature check.
 * `actor` is the actor's identifier in our URLs (a handle, or `instance.actor`).
 */
export const actorKeys = pgTable(
  'actor_keys',
  {
    actor: text('actor').notNull(),
    algorithm: text('algorithm').$type<'rsa' | 'ed25519'>().notNull(),
    publicJwk: jsonb('public_jwk').$type<JsonWebKey>().notNull(),
    privateJwk: jsonb('private_jwk').$type<JsonWebKey>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.actor, t.algorithm] }),
    check('actor_keys_algorithm_check', sql`${t.algorithm} IN ('rsa', 'ed25519')`),
  ],
);

/** What we know of an actor on another server, refreshed when it sends us something. */
export const remoteActors = pgTable(
  'remote_actors',
  {
    id: uuid('id')
      .primaryKey()
      .$defaultFn(() => uuidv7()),
    iri: text('iri').notNull().unique(),
    /** `@user@domain`. */
    handle: text('handle').notNull(),
    domain: text('domain').notNull(),
    type: text('type').notNull(),
    /** Plain text (remote HTML stripped). */
    displayName: text('display_name').notNull().default(''),
    /** Sanitised HTML. */
    summary: text('summary').notNull().default(''),
    avatarUrl: text('avatar_url'),
    url: text('url'),
    inbox: text('inbox').notNull(),
    sharedInbox: text('shared_inbox'),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('remote_actors_domain_idx').on(t.domain), index('remote_actors_handle_idx').on(t.handle)],
);

export const FOLLOW_DIRECTIONS = ['inbound', 'outbound'] as const;
export type FollowDirection = (typeof FOLLOW_DIRECTIONS)[number];
export const FOLLOW_STATES = ['pending', 'accepted'] as const;
export type FollowState = (typeof FOLLOW_STATES)[number];

/**
 * Follows between a local actor (by handle) and a remote one. `inbound`: the remote actor
 * follows us; `outbound`: we follow it. The Follow activity's id is kept so that an Accept,
 * Reject or Undo naming it can be matched without fetching anything.
 */
export const follows = pgTable(
  'follows',
  {
    id: uuid('id')
      .primaryKey()
      .$defaultFn(() => uuidv7()),
    localActor: text('local_actor').notNull(),
    remoteActorId: uuid('remote_actor_id')
      .notNull()
      .references(() => remoteActors.id, { onDelete: 'cascade' }),
    direction: text('direction').$type<FollowDirection>().notNull(),
    activityIri: text('activity_iri').notNull(),
    state: text('state').$type<FollowState>().notNull().default('pending'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
  },
  (t) => [
    unique('follows_pair_unique').on(t.localActor, t.remoteActorId, t.direction),
    index('follows_activity_idx').on(t.activityIri),
    index('follows_remote_idx').on(t.remoteActorId),
    check('follows_direction_check', sql`${t.direction} IN ('inbound', 'outbound')`),
    check('follows_state_check', sql`${t.state} IN ('pending', 'accepted')`),
  ],
);

/** Servers an admin has cut off: nothing comes in from them, nothing goes out to them. */
export const domainBlocks = pgTable('domain_blocks', {
  domain: text('domain').primaryKey(),
  reason: text('reason').notNull().default(''),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const DELIVERY_STATES = ['available', 'unavailable', 'probing'] as const;
/**
 * Whether we deliver to a server: `unavailable` after repeated failures (deliveries are held,
 * not attempted), `probing` while one delivery tests whether it is back.
 */
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * Servers we have exchanged with, for the admin's list. The delivery columns mirror, for
 * display, the per-server circuit breaker whose state Fedify keeps in the KV store.
 */
export const knownInstances = pgTable(
  'known_instances',
  {
    domain: text('domain').primaryKey(),
    software: text('software'),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    deliveryState: text('delivery_state').$type<DeliveryState>().notNull().default('available'),
    /** Since when deliveries have been held (null while available). */
    unavailableSince: timestamp('unavailable_since', { withTimezone: true }),
    deliveryStateChangedAt: timestamp('delivery_state_changed_at', { withTimezone: true }),
    /** Activities given up because the server stayed unavailable longer than they are held. */
    droppedActivities: integer('dropped_activities').notNull().default(0),
  },
  (t) => [
    check(
      'known_instances_delivery_state_check',
      sql`${t.deliveryState} IN ('available', 'unavailable', 'probing')`,
    ),
    index('known_instances_delivery_state_idx')
      .on(t.deliveryState)
      .where(sql`${t.deliveryState} <> 'available'`),
  ],
);

export type ActorKey = typeof actorKeys.$inferSelect;
export type RemoteActor = typeof remoteActors.$inferSelect;
export type FollowRow = typeof follows.$inferSelect;
export type DomainBlock = typeof domainBlocks.$inferSelect;
export type KnownInstance = typeof knownInstances.$inferSelect;
