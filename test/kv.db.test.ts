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

  it('hint entries are served from the process copy, a value already stored is not written again, others always read the table', async () => {
    const store = new DatabaseKvStore(get(), { cachedPrefixes: [['hint']] });
    const plain = new DatabaseKvStore(get());
    const rowValue = async (key: string) =>
      (
        await selectRows<{ value: unknown }>(get().db, sql`SELECT value FROM kv_entries WHERE key = ${key}`)
      )[0]?.value;
    await store.set(['hint', 'a'], { spec: 'rfc9421' });
    await store.set(['other', 'a'], 1);
    // Another process changes both entries behind this store's back.
    await get().db.execute(sql`UPDATE kv_entries SET value = '{"spec":"draft-cavage"}' WHERE key = 'hint/a'`);
    await get().db.execute(sql`UPDATE kv_entries SET value = '2' WHERE key = 'other/a'`);
    assert.deepEqual(await store.get(['hint', 'a']), { spec: 'rfc9421' });
    assert.deepEqual(await plain.get(['hint', 'a']), { spec: 'draft-cavage' });
    assert.equal(await store.get(['other', 'a']), 2);
    // The same value again is not written; a different one is, and replaces the copy.
    await store.set(['hint', 'a'], { spec: 'rfc9421' });
    assert.deepEqual(await rowValue('hint/a'), { spec: 'draft-cavage' });
    await store.set(['hint', 'a'], { spec: 'draft-cavage' });
    await store.set(['hint', 'a'], { spec: 'rfc9421' });
    assert.deepEqual(await rowValue('hint/a'), { spec: 'rfc9421' });
    // A copy handed out is the caller's own.
    const copy = (await store.get(['hint', 'a'])) as { spec: string };
    copy.spec = 'changed';
    assert.deepEqual(await store.get(['hint', 'a']), { spec: 'rfc9421' });
    await store.delete(['hint', 'a']);
    assert.equal(await store.get(['hint', 'a']), undefined);
    assert.equal(await rowValue('hint/a'), undefined);
  });

  it('a cached hint never outlives its ttl, nor a ttl set by another process', async () => {
    const store = new DatabaseKvStore(get(), { cachedPrefixes: [['hint']] });
    await store.set(['hint', 'short'], 'x', { ttl: duration({ milliseconds: 100 }) });
    await new DatabaseKvStore(get()).set(['hint', 'theirs'], 'y', { ttl: duration({ milliseconds: 100 }) });
    assert.equal(await store.get(['hint', 'short']), 'x');
    assert.equal(await store.get(['hint', 'theirs']), 'y');
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(await store.get(['hint', 'short']), undefined);
    assert.equal(await store.get(['hint', 'theirs']), undefined);
    // Known to expire, so the same value without a ttl is written (it must not expire now).
    await store.set(['hint', 'theirs'], 'y', { ttl: duration({ milliseconds: 100 }) });
    await store.set(['hint', 'theirs'], 'y');
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(await new DatabaseKvStore(get()).get(['hint', 'theirs']), 'y');
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
