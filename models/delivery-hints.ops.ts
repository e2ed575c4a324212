import { sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { selectRows } from './db-driver.ts';
import { blockCandidates, hostsCoveredBy } from './instances.ops.ts';
import { liveKvEntry } from './kv.ops.ts';

/**
 * What a batch of deliveries must know before it sends, in one round trip: which of its
 * servers are blocked (themselves or by a parent domain), and the live KV entries under the
 * given keys (Fedify's circuit breaker states and remembered signature standards).
 */
export async function readDeliveryHints(
  db: Db,
  hosts: readonly string[],
  kvKeys: readonly string[],
): Promise<{ blocked: Set<string>; kv: Map<string, unknown> }> {
  const candidates = [...new Set(hosts.flatMap(blockCandidates))];
  const list = (values: readonly string[]) =>
    sql.join(
      values.map((v) => sql`${v}`),
      sql`, `,
    );
  const parts = [
    ...(candidates.length > 0
      ? [
          sql`SELECT 'block' AS kind, domain AS key, NULL::jsonb AS value FROM domain_blocks WHERE domain IN (${list(candidates)})`,
        ]
      : []),
    ...(kvKeys.length > 0
      ? [
          sql`SELECT 'kv' AS kind, key, value FROM kv_entries
              WHERE key IN (${list(kvKeys)}) AND ${liveKvEntry}`,
        ]
      : []),
  ];
  const kv = new Map<string, unknown>();
  if (parts.length === 0) return { blocked: new Set(), kv };
  const rows = await selectRows<{ kind: 'block' | 'kv'; key: string; value: unknown }>(
    db,
    sql.join(parts, sql` UNION ALL `),
  );
  const blockedDomains = new Set<string>();
  for (const row of rows) {
    if (row.kind === 'block') blockedDomains.add(row.key);
    else kv.set(row.key, row.value);
  }
  return { blocked: hostsCoveredBy(hosts, blockedDomains), kv };
}
