import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import { signUp } from '../../models/accounts.ops.ts';
import type { Db } from '../../models/db.ts';
import type { Agent } from './api.ts';
import { newIdentity } from './api.ts';
import type { TestInstance } from './instance.ts';

/**
 * Waits until `check` returns a truthy value (federation is asynchronous: deliveries go
 * through the queue). Polls; fails with `what` after `timeoutMs`. Not a timing assertion.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T>,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An admin account created directly in the instance's database, logged in through the API. */
export async function adminAgent(instance: TestInstance): Promise<Agent> {
  const identity = newIdentity('adm');
  const created = await signUp(instance.ctx, identity, 'admin');
  assert.ok(created.ok);
  const agent = request.agent(instance.url);
  const res = await agent
    .post('/api/v1/session')
    .send({ email: identity.email, password: identity.password });
  assert.ok(res.status < 300, JSON.stringify(res.body));
  return agent;
}

export const AP_ACCEPT = 'application/activity+json';

/** Row counts of the tables an incoming activity could change (the KV cache and the queue excluded). */
export async function domainTableCounts(db: Db): Promise<Record<string, number>> {
  const tables = [
    'accounts',
    'personas',
    'handles',
    'remote_actors',
    'follows',
    'known_instances',
    'domain_blocks',
    'posts',
    'post_likes',
    'post_announces',
  ];
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const result = (await db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${t}`))) as unknown as {
      rows: { n: number }[];
    };
    counts[t] = result.rows[0]!.n;
  }
  return counts;
}

/** `@handle@host:port` of a persona on an instance, as the other side caches it. */
export function fediHandle(instance: TestInstance, handle: string): string {
  return `@${handle}@${new URL(instance.url).host}`;
}

/** True when an instance has no queued job left (every delivery made or given up). */
export async function queueIsEmpty(db: Db): Promise<boolean> {
  const result = (await db.execute(sql.raw('SELECT count(*)::int AS n FROM queue_jobs'))) as unknown as {
    rows: { n: number }[];
  };
  return result.rows[0]!.n === 0;
}
