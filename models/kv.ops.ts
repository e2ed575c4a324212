import { sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { selectRows } from './db-driver.ts';

/**
 * The key–value store's SQL. Keys arrive already encoded as text (see
 * federation/kv/key-codec.ts); values are JSON. Expiry uses the database clock, so every
 * process agrees on it; an expired entry reads as absent until it is pruned.
 */

/** A ttl in milliseconds, or null for an entry that never expires. */
export type TtlMs = number | null;

const expiry = (ttlMs: TtlMs) =>
  ttlMs === null ? sql`NULL` : sql`now() + ${ttlMs}::double precision * interval '1 millisecond'`;

/** The condition of an entry that has not expired (in the database's clock). */
export const liveKvEntry = sql`(expires_at IS NULL OR expires_at > now())`;

export async function kvGet(
  db: Db,
  key: string,
): Promise<{ found: true; value: unknown; expiresInMs: number | null } | { found: false }> {
  const rows = await selectRows<{ value: unknown; expired: boolean; expires_in_ms: number | string | null }>(
    db,
    sql`SELECT value, NOT ${liveKvEntry} AS expired,
               extract(epoch FROM (expires_at - now())) * 1000 AS expires_in_ms
        FROM kv_entries WHERE key = ${key}`,
  );
  const row = rows[0];
  if (!row) return { found: false };
  if (row.expired) {
    // Lazy pruning; the condition keeps a concurrent fresh set intact.
    await db.execute(sql`DELETE FROM kv_entries WHERE key = ${key} AND NOT ${liveKvEntry}`);
    return { found: false };
  }
  const expiresInMs = row.expires_in_ms === null ? null : Number(row.expires_in_ms);
  return { found: true, value: row.value, expiresInMs };
}

export async function kvSet(db: Db, key: string, value: unknown, ttlMs: TtlMs): Promise<void> {
  await db.execute(sql`
    INSERT INTO kv_entries (key, value, expires_at)
    VALUES (${key}, ${JSON.stringify(value)}::jsonb, ${expiry(ttlMs)})
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`);
}

export async function kvDelete(db: Db, key: string): Promise<void> {
  await db.execute(sql`DELETE FROM kv_entries WHERE key = ${key}`);
}

/**
 * Atomic compare-and-swap: succeeds when the current value equals `expected` (JSON equality;
 * `undefined` means absent or expired), then stores `next` (`undefined` deletes). One statement
 * each, so the row lock taken by UPDATE/INSERT … ON CONFLICT decides concurrent races.
 */
export async function kvCompareAndSwap(
  db: Db,
  key: string,
  expected: unknown,
  next: unknown,
  ttlMs: TtlMs,
): Promise<boolean> {
  if (expected === undefined) {
    if (next === undefined) {
      const rows = await selectRows<{ present: boolean }>(
        db,
        sql`SELECT EXISTS (SELECT 1 FROM kv_entries WHERE key = ${key} AND ${liveKvEntry}) AS present`,
      );
      return rows[0]?.present === false;
    }
    const rows = await selectRows<{ key: string }>(
      db,
      sql`
        INSERT INTO kv_entries (key, value, expires_at)
        VALUES (${key}, ${JSON.stringify(next)}::jsonb, ${expiry(ttlMs)})
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
          WHERE kv_entries.expires_at IS NOT NULL AND kv_entries.expires_at <= now()
        RETURNING key`,
    );
    return rows.length === 1;
  }
  const matches = sql`key = ${key} AND ${liveKvEntry} AND value = ${JSON.stringify(expected)}::jsonb`;
  const rows =
    next === undefined
      ? await selectRows<{ key: string }>(db, sql`DELETE FROM kv_entries WHERE ${matches} RETURNING key`)
      : await selectRows<{ key: string }>(
          db,
          sql`
            UPDATE kv_entries SET value = ${JSON.stringify(next)}::jsonb, expires_at = ${expiry(ttlMs)}
            WHERE ${matches} RETURNING key`,
        );
  return rows.length === 1;
}

/**
 * One page of live entries whose encoded key is `prefix` or starts with `prefix/` (every
 * entry when `prefix` is null), in key order after `after`. The range form uses the primary
 * key's "C"-collated index: '0' is the character right after '/'.
 */
export async function kvListPage(
  db: Db,
  prefix: string | null,
  after: string | null,
  limit: number,
): Promise<{ key: string; value: unknown }[]> {
  const inPrefix =
    prefix === null
      ? sql`TRUE`
      : sql`(key = ${prefix} OR (key >= ${`${prefix}/`} AND key < ${`${prefix}0`}))`;
  const afterKey = after === null ? sql`TRUE` : sql`key > ${after}`;
  return selectRows<{ key: string; value: unknown }>(
    db,
    sql`SELECT key, value FROM kv_entries WHERE ${inPrefix} AND ${afterKey} AND ${liveKvEntry}
        ORDER BY key LIMIT ${limit}`,
  );
}

/** Deletes up to `limit` expired entries; returns how many. */
export async function kvPruneExpired(db: Db, limit = 1000): Promise<number> {
  const rows = await selectRows<{ key: string }>(
    db,
    sql`DELETE FROM kv_entries WHERE key IN (
          SELECT key FROM kv_entries WHERE expires_at <= now() LIMIT ${limit})
        RETURNING key`,
  );
  return rows.length;
}
