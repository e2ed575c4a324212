import { sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { selectRows } from './db-driver.ts';

/**
 * Counts one hit against `key` in a fixed window and tells whether it is still allowed.
 * Kept in the database so the limit holds across web processes.
 */
export async function hitRateLimit(
  db: Db,
  key: string,
  limit: number,
  windowMs: number,
  now = new Date(),
): Promise<{ allowed: boolean; remaining: number; resetAt: Date }> {
  const reset = new Date(now.getTime() + windowMs);
  const [row] = await selectRows<{ count: number; reset_at: Date | string }>(
    db,
    sql`INSERT INTO rate_limits (key, count, reset_at) VALUES (${key}, 1, ${reset.toISOString()})
        ON CONFLICT (key) DO UPDATE SET
          count = CASE WHEN rate_limits.reset_at <= ${now.toISOString()} THEN 1 ELSE rate_limits.count + 1 END,
          reset_at = CASE WHEN rate_limits.reset_at <= ${now.toISOString()} THEN EXCLUDED.reset_at ELSE rate_limits.reset_at END
        RETURNING count, reset_at`,
  );
  const count = row?.count ?? 1;
  return {
    allowed: count <= limit,
    remaining: Math.max(0, limit - count),
    resetAt: new Date(row?.reset_at ?? reset),
  };
}

export async function clearRateLimit(db: Db, key: string): Promise<void> {
  await db.execute(sql`DELETE FROM rate_limits WHERE key = ${key}`);
}

/** Takes back one hit (an attempt that turned out legitimate), so limits count failures only. */
export async function forgiveRateLimitHit(db: Db, key: string): Promise<void> {
  await db.execute(sql`UPDATE rate_limits SET count = greatest(count - 1, 0) WHERE key = ${key}`);
}

/** Drops counters whose window has passed; run now and then so the table stays small. */
export async function pruneRateLimits(db: Db, now = new Date()): Promise<number> {
  const rows = await selectRows<{ key: string }>(
    db,
    sql`DELETE FROM rate_limits WHERE reset_at <= ${now.toISOString()} RETURNING key`,
  );
  return rows.length;
}
