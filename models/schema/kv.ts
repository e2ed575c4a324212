import { customType, index, jsonb, pgTable, timestamp } from 'drizzle-orm/pg-core';

/**
 * Text compared byte by byte: the encoded KV key is matched by prefix with a plain range
 * (`key >= 'a/b/' AND key < 'a/b0'`), which only uses the primary-key index and only sorts
 * correctly under the "C" collation, whatever the database's default collation is.
 */
const byteText = customType<{ data: string }>({
  dataType: () => 'text COLLATE "C"',
});

/**
 * Fedify's key–value store (caches, idempotence marks, circuit-breaker state…). A key is an
 * array of strings stored as its components URI-encoded and joined with `/`, so a key prefix
 * is a string prefix; see federation/kv/key-codec.ts.
 */
export const kvEntries = pgTable(
  'kv_entries',
  {
    key: byteText('key').primaryKey(),
    value: jsonb('value').notNull(),
    /** Null for entries without a ttl; an expired entry counts as absent until pruned. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (t) => [index('kv_entries_expires_idx').on(t.expiresAt)],
);
