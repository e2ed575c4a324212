import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { Db } from '../../models/db.ts';
import { listFollows } from '../../models/follows.ops.ts';
import { type Agent, publishPost } from './api.ts';
import type { FakeMastodon } from './fake-mastodon.ts';
import { eventually } from './federation.ts';
import type { TestInstance } from './instance.ts';

/**
 * Helpers for tests of outgoing deliveries to remote servers that misbehave (FakeMastodon
 * followers): follow, publish, and look at what each server received and what is held.
 */

/** An account of `m` follows a local persona; returns once the follow is accepted and the Accept arrived. */
export async function followedFrom(
  instance: TestInstance,
  handle: string,
  m: FakeMastodon,
  name: string,
): Promise<string> {
  const actor = await m.addAccount(name);
  const status = await m.deliver(name, `${instance.url}/users/${handle}/inbox`, {
    '@context': 'https://www.w3.org/ns/activitystreams',
    id: `${actor}#follows/${handle}`,
    type: 'Follow',
    actor,
    object: `${instance.url}/users/${handle}`,
  });
  assert.equal(status, 202);
  await eventually(`${name} follows ${handle}`, async () => {
    const rows = await listFollows(instance.ctx.db, handle, 'inbound', { acceptedOnly: true });
    return rows.some((f) => f.actor.iri === actor);
  });
  await eventually(`the Accept reaches ${name}`, async () => m.receivedOfType('Accept').length > 0);
  return actor;
}

/** Publishes a public post through the API; returns its IRI. */
export async function publish(agent: Agent, content: string): Promise<string> {
  return (await publishPost(agent, content)).iri;
}

/** The ids of the Create activities of a post that reached `m` (answered or not). */
export function createIds(m: FakeMastodon, postIri: string): string[] {
  const ids = m
    .receivedOfType('Create')
    .filter((a) => (a.object as Record<string, unknown> | undefined)?.id === postIri)
    .map((a) => a.id as string);
  return [...new Set(ids)];
}

/** How many times `m` accepted (2xx) the Create of a post, over all its activity ids. */
export function acceptedCreates(m: FakeMastodon, postIri: string): number {
  return createIds(m, postIri).reduce((n, id) => n + m.acceptedDeliveries(id), 0);
}

/** The host (host:port) of a FakeMastodon, as circuits and known instances name it. */
export function hostOf(m: FakeMastodon): string {
  return new URL(m.url).host;
}

/**
 * Queued deliveries to one server that its circuit breaker holds (not attempted), with the
 * activity each carries.
 */
export async function heldDeliveries(db: Db, m: FakeMastodon): Promise<string[]> {
  const result = (await db.execute(
    sql`SELECT message->>'activityId' AS id FROM queue_jobs
        WHERE message->>'type' = 'outbox' AND message->'circuitHeld' = 'true'::jsonb
          AND starts_with(message->>'inbox', ${`${m.url}/`})`,
  )) as unknown as { rows: { id: string }[] };
  return result.rows.map((r) => r.id);
}

/** What an admin action must leave untouched: the servers' rows, the queue and the circuits. */
export async function deliverySnapshot(db: Db): Promise<string> {
  const rows = async (query: ReturnType<typeof sql>) =>
    ((await db.execute(query)) as unknown as { rows: unknown[] }).rows;
  return JSON.stringify({
    instances: await rows(sql`SELECT * FROM known_instances ORDER BY domain`),
    queue: await rows(sql`SELECT id, run_at, locked_until, blocked FROM queue_jobs ORDER BY id`),
    circuits: await rows(
      sql`SELECT key, value FROM kv_entries WHERE starts_with(key, '_fedify/circuit/') ORDER BY key`,
    ),
  });
}

/**
 * True when the queue only holds deliveries set aside by a circuit breaker (none running, no
 * retry or new delivery pending): nothing changes there until a held one falls due.
 */
export async function onlyHeldDeliveriesQueued(db: Db): Promise<boolean> {
  const result = (await db.execute(
    sql`SELECT count(*)::int AS n FROM queue_jobs
        WHERE locked_until IS NOT NULL OR message->'circuitHeld' IS DISTINCT FROM 'true'::jsonb`,
  )) as unknown as { rows: { n: number }[] };
  return result.rows[0]!.n === 0;
}
