import { asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import {
  type DeliveryState,
  type DomainBlock,
  domainBlocks,
  follows,
  knownInstances,
  remoteActors,
} from './schema/index.ts';

/**
 * A "domain" here is a URL host as other servers are addressed: lower case, with the port
 * when there is one (two test instances on one loopback address differ only by port).
 */
export function normalizeDomain(input: string): string | undefined {
  const raw = input.trim().toLowerCase();
  if (!raw) return undefined;
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//.test(raw) ? raw : `https://${raw}`;
  if (!URL.canParse(candidate)) return undefined;
  const url = new URL(candidate);
  if (!url.hostname || url.username || url.password) return undefined;
  // A bare domain keeps no default port; a URL given with a scheme keeps an explicit one.
  return url.host;
}

/** True when the host (or a parent domain of it) is blocked. */
export function isDomainBlocked(db: Db, host: string): Promise<boolean> {
  return isAnyDomainBlocked(db, [host]);
}

/** True when any of the hosts (or a parent domain of one) is blocked; one query for all. */
export async function isAnyDomainBlocked(db: Db, hosts: readonly string[]): Promise<boolean> {
  const candidates = new Set(hosts.flatMap(blockCandidates));
  if (candidates.size === 0) return false;
  const rows = await db
    .select({ domain: domainBlocks.domain })
    .from(domainBlocks)
    .where(inArray(domainBlocks.domain, [...candidates]))
    .limit(1);
  return rows.length > 0;
}

/** Those of the hosts that are blocked (themselves or by a parent domain); one query for all. */
export async function blockedHostsAmong(db: Db, hosts: readonly string[]): Promise<Set<string>> {
  const candidates = new Set(hosts.flatMap(blockCandidates));
  if (candidates.size === 0) return new Set();
  const rows = await db
    .select({ domain: domainBlocks.domain })
    .from(domainBlocks)
    .where(inArray(domainBlocks.domain, [...candidates]));
  return hostsCoveredBy(hosts, new Set(rows.map((r) => r.domain)));
}

/** Those of the hosts that one of the blocked domains covers (see blockCandidates). */
export function hostsCoveredBy(hosts: readonly string[], blockedDomains: ReadonlySet<string>): Set<string> {
  const covered = new Set<string>();
  if (blockedDomains.size === 0) return covered;
  for (const host of hosts) if (blockCandidates(host).some((c) => blockedDomains.has(c))) covered.add(host);
  return covered;
}

/** The domains whose block covers a host: the host itself (with and without its port) and its parents. */
export function blockCandidates(host: string): string[] {
  const h = host.toLowerCase();
  const hostname = h.replace(/:\d+$/, '');
  const candidates = [h, hostname];
  const parts = hostname.split('.');
  for (let i = 1; i < parts.length - 1; i++) candidates.push(parts.slice(i).join('.'));
  return candidates;
}

export type BlockDomainResult =
  | { ok: true; block: DomainBlock; created: boolean }
  | { ok: false; reason: 'invalid-domain' };

/**
 * Blocks a server: from now on nothing is accepted from it or sent to it, and the follows in
 * both directions with its actors are dropped (they would only carry traffic we refuse).
 */
export async function blockDomain(
  db: Db,
  input: { domain: string; reason?: string },
): Promise<BlockDomainResult> {
  const domain = normalizeDomain(input.domain);
  if (!domain) return { ok: false, reason: 'invalid-domain' };
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(domainBlocks)
      .values({ domain, reason: input.reason ?? '' })
      .onConflictDoNothing()
      .returning();
    const actorIds = tx
      .select({ id: remoteActors.id })
      .from(remoteActors)
      .where(sql`${remoteActors.domain} = ${domain} OR ${remoteActors.domain} LIKE ${`%.${domain}`}`);
    await tx.delete(follows).where(inArray(follows.remoteActorId, actorIds));
    if (created) return { ok: true, block: created, created: true };
    const [existing] = await tx.select().from(domainBlocks).where(eq(domainBlocks.domain, domain));
    return { ok: true, block: existing!, created: false };
  });
}

export async function unblockDomain(
  db: Db,
  input: string,
): Promise<{ ok: true } | { ok: false; reason: 'not-found' }> {
  const domain = normalizeDomain(input);
  if (!domain) return { ok: false, reason: 'not-found' };
  const rows = await db.delete(domainBlocks).where(eq(domainBlocks.domain, domain)).returning();
  return rows.length > 0 ? { ok: true } : { ok: false, reason: 'not-found' };
}

export async function listDomainBlocks(db: Db): Promise<DomainBlock[]> {
  return db.select().from(domainBlocks).orderBy(asc(domainBlocks.domain));
}

/** Notes that we exchanged with a server (first/last seen); true when it was new to us. */
export async function touchInstance(db: Db, host: string): Promise<boolean> {
  const domain = host.toLowerCase();
  const now = new Date();
  const inserted = await db
    .insert(knownInstances)
    .values({ domain, firstSeenAt: now, lastSeenAt: now })
    .onConflictDoNothing()
    .returning({ domain: knownInstances.domain });
  if (inserted.length > 0) return true;
  await db.update(knownInstances).set({ lastSeenAt: now }).where(eq(knownInstances.domain, domain));
  return false;
}

/** Records which software a server runs (from its NodeInfo). */
export async function setInstanceSoftware(db: Db, host: string, software: string): Promise<void> {
  await db
    .update(knownInstances)
    .set({ software: software.slice(0, 100) })
    .where(eq(knownInstances.domain, host.toLowerCase()));
}

export type KnownInstanceView = {
  domain: string;
  software: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  actors: number;
  blocked: boolean;
  deliveryState: DeliveryState;
  unavailableSince: Date | null;
  deliveryStateChangedAt: Date | null;
  droppedActivities: number;
};

const instanceView = {
  domain: knownInstances.domain,
  software: knownInstances.software,
  firstSeenAt: knownInstances.firstSeenAt,
  lastSeenAt: knownInstances.lastSeenAt,
  actors: sql<number>`(SELECT count(*)::int FROM ${remoteActors} WHERE ${remoteActors.domain} = ${knownInstances.domain})`,
  blocked: sql<boolean>`EXISTS (SELECT 1 FROM ${domainBlocks} WHERE ${domainBlocks.domain} = ${knownInstances.domain})`,
  deliveryState: knownInstances.deliveryState,
  unavailableSince: knownInstances.unavailableSince,
  deliveryStateChangedAt: knownInstances.deliveryStateChangedAt,
  droppedActivities: knownInstances.droppedActivities,
};

/**
 * Every server we know of, with how many of its actors we cache, whether it is blocked and
 * whether we deliver to it; `deliveryState` keeps only the servers in that state.
 */
export async function listKnownInstances(
  db: Db,
  filter: { deliveryState?: DeliveryState } = {},
): Promise<KnownInstanceView[]> {
  const where = filter.deliveryState ? eq(knownInstances.deliveryState, filter.deliveryState) : undefined;
  return db.select(instanceView).from(knownInstances).where(where).orderBy(asc(knownInstances.domain));
}

export async function findKnownInstance(db: Db, host: string): Promise<KnownInstanceView | undefined> {
  const [row] = await db
    .select(instanceView)
    .from(knownInstances)
    .where(eq(knownInstances.domain, host.toLowerCase()));
  return row;
}

const at = (date: Date): SQL => sql`${date.toISOString()}::timestamptz`;

/**
 * Records whether we deliver to a server (creating its row if we never exchanged with it
 * before). Changes are applied in the order they happened (`changedAt`), whichever process
 * reports them first: an older report never overwrites a newer one. `unavailableSince` keeps
 * the start of the whole outage, across probes, and is cleared once the server is available.
 */
export async function recordDeliveryState(
  db: Db,
  host: string,
  state: DeliveryState,
  changedAt: Date,
): Promise<void> {
  const domain = host.toLowerCase();
  await db
    .insert(knownInstances)
    .values({
      domain,
      deliveryState: state,
      unavailableSince: state === 'available' ? null : changedAt,
      deliveryStateChangedAt: changedAt,
    })
    .onConflictDoUpdate({
      target: knownInstances.domain,
      set: {
        deliveryState: state,
        unavailableSince:
          state === 'available' ? null : sql`coalesce(${knownInstances.unavailableSince}, ${at(changedAt)})`,
        deliveryStateChangedAt: changedAt,
      },
      setWhere: sql`${knownInstances.deliveryStateChangedAt} IS NULL OR ${knownInstances.deliveryStateChangedAt} <= ${at(changedAt)}`,
    });
}

/** Counts an activity given up because its server stayed unavailable longer than it is held. */
export async function countDroppedActivity(db: Db, host: string): Promise<void> {
  await db
    .insert(knownInstances)
    .values({ domain: host.toLowerCase(), droppedActivities: 1 })
    .onConflictDoUpdate({
      target: knownInstances.domain,
      set: { droppedActivities: sql`${knownInstances.droppedActivities} + 1` },
    });
}
