import assert from 'node:assert/strict';
import { MemoryKvStore } from '@fedify/fedify';
import { sql } from 'drizzle-orm';
import { DatabaseKvStore } from '../federation/kv/index.ts';
import { type Database, openDatabase } from '../models/db.ts';
import { selectRows } from '../models/db-driver.ts';
import { forEachDatabase } from './support/databases.ts';
import { duration, kvStoreConformance } from './support/kv-conformance.ts';

describe('KvStore conformance [Fedify MemoryKvStore, the reference]', () => {
  const store = new MemoryKvStore();
  kvStoreConformance(() => ({ a: store, b: store }));
});

forEachDatabase('KvStore conformance: DatabaseKvStore', (get, kind) => {
  let second: Database | undefined;
  let a: DatabaseKvStore;
  let b: DatabaseKvStore;
  before(async () => {
    // On PostgreSQL a second handle is a second pool: the stores race like two processes.
    second =
      kind === 'postgres'
        ? await openDatabase({
            kind: 'postgres',
            url: String(get().pool?.options.connectionString),
            poolMax: 5,
          })
        : undefined;
    // A small page size makes list() cross page boundaries in the suite.
    a = new DatabaseKvStore(get(), { listPageSize: 3 });
    b = new DatabaseKvStore(second ?? get(), { listPageSize: 3 });
  });
  after(async () => {
    await second?.close();
  });

  kvStoreConformance(() => ({ a, b }));

  it('expired entries are pruned from the table, live ones kept', async () => {
    const store = new DatabaseKvStore(get());
    await store.set(['prune', 'gone'], 1, { ttl: duration({ milliseconds: 50 }) });
    await store.set(['prune', 'kept'], 2, { ttl: duration({ hours: 1 }) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await store.prune();
    const rows = await selectRows<{ key: string }>(
      get().db,
      sql`SELECT key FROM kv_entries WHERE key LIKE 'prune/%' ORDER BY key`,
    );
    assert.deepEqual(
      rows.map((r) => r.key),
      ['prune/kept'],
    );
  });

  it('a ttl in calendar units (weeks, months), which MemoryKvStore refuses, counts from now', async () => {
    const store = new DatabaseKvStore(get());
    await store.set(['calendar', 'w'], 'long-lived', { ttl: duration({ weeks: 1 }) });
    await store.set(['calendar', 'm'], 'longer-lived', { ttl: duration({ months: 1, days: 2 }) });
    assert.equal(await store.get(['calendar', 'w']), 'long-lived');
    assert.equal(await store.get(['calendar', 'm']), 'longer-lived');
  });

  it('cas to undefined deletes the entry when the expected value matches, and only then', async () => {
    const store = new DatabaseKvStore(get());
    await store.set(['cas-delete'], { v: 1 });
    assert.equal(await store.cas(['cas-delete'], { v: 2 }, undefined), false);
    assert.deepEqual(await store.get(['cas-delete']), { v: 1 });
    assert.equal(await store.cas(['cas-delete'], { v: 1 }, undefined), true);
    assert.equal(await store.get(['cas-delete']), undefined);
    assert.equal(await store.cas(['cas-delete'], undefined, undefined), true);
  });

  it('a negative ttl is refused with a RangeError and stores nothing', async () => {
    const store = new DatabaseKvStore(get());
    await assert.rejects(store.set(['bad', 'ttl'], 1, { ttl: duration({ seconds: -1 }) }), RangeError);
    assert.equal(await store.get(['bad', 'ttl']), undefined);
  });

  it('setting undefined deletes the entry rather than storing a non-JSON value', async () => {
    const store = new DatabaseKvStore(get());
    await store.set(['undef'], 'x');
    await store.set(['undef'], undefined);
    assert.equal(await store.get(['undef']), undefined);
    for await (const entry of store.list(['undef'])) assert.fail(`unexpected entry ${entry.key.join('/')}`);
  });
});
