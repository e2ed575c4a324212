import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { KvKey, KvStore } from '@fedify/fedify';
import { Temporal } from '@js-temporal/polyfill';

/**
 * The KvStore behaviour Fedify relies on, as one suite that every implementation passes: ours
 * on PGlite and on PostgreSQL, and Fedify's own MemoryKvStore (which keeps the suite honest
 * about Fedify's semantics). `stores()` returns two stores over the same data (on PostgreSQL,
 * two separate connection pools), so races are real ones.
 */
/**
 * A Temporal.Duration from the polyfill, typed as the global one Fedify's types name (Node 24
 * has no global Temporal at run time; Fedify itself uses the same polyfill).
 */
export function duration(like: Temporal.DurationLike): globalThis.Temporal.Duration {
  return Temporal.Duration.from(like) as unknown as globalThis.Temporal.Duration;
}

export function kvStoreConformance(stores: () => { a: KvStore; b: KvStore }): void {
  const ns = (): [string, string] => ['conformance', randomBytes(6).toString('hex')];
  const ms = (milliseconds: number) => duration({ milliseconds });
  const sleep = (n: number) => new Promise((resolve) => setTimeout(resolve, n));
  const collect = async (iterable: AsyncIterable<{ key: KvKey; value: unknown }>) => {
    const out: { key: KvKey; value: unknown }[] = [];
    for await (const entry of iterable) out.push(entry);
    return sorted(out);
  };
  const sorted = (entries: { key: KvKey; value: unknown }[]) =>
    entries.sort((x, y) => (JSON.stringify(x.key) < JSON.stringify(y.key) ? -1 : 1));

  it('a key never set reads as undefined', async () => {
    assert.equal(await stores().a.get([...ns(), 'missing']), undefined);
  });

  it('a value set is read back equal, from another store over the same data too', async () => {
    const { a, b } = stores();
    const base = ns();
    const values: unknown[] = [
      'texte accentué ✓',
      0,
      -12.5,
      true,
      null,
      [1, 'two', { three: 3 }],
      { nested: { deep: [null, false] }, 'clé/avec%': 'x' },
    ];
    for (const [i, value] of values.entries()) await a.set([...base, String(i)], value);
    for (const [i, value] of values.entries()) assert.deepEqual(await b.get([...base, String(i)]), value);
  });

  it('keys are arrays: components with "/", "%" or empty strings stay distinct keys', async () => {
    const { a } = stores();
    const base = ns();
    const keys: KvKey[] = [
      [...base, 'a/b'],
      [...base, 'a', 'b'],
      [...base, 'a%2Fb'],
      [...base, ''],
      [...base, '', ''],
    ];
    for (const [i, key] of keys.entries()) await a.set(key, i);
    for (const [i, key] of keys.entries()) assert.equal(await a.get(key), i);
  });

  it('set overwrites, delete removes, and deleting a missing key is harmless', async () => {
    const { a, b } = stores();
    const key = [...ns(), 'k'] as const;
    await a.set(key, 1);
    await a.set(key, 2);
    assert.equal(await b.get(key), 2);
    await b.delete(key);
    assert.equal(await a.get(key), undefined);
    await a.delete(key);
    assert.equal(await a.get(key), undefined);
  });

  it('an entry with a ttl is there before it expires and absent (also from list) after', async () => {
    const { a, b } = stores();
    const base = ns();
    await a.set([...base, 'short'], 'soon gone', { ttl: ms(150) });
    await a.set([...base, 'long'], 'stays', { ttl: duration({ hours: 1 }) });
    assert.equal(await b.get([...base, 'short']), 'soon gone');
    await sleep(400);
    assert.equal(await b.get([...base, 'short']), undefined);
    assert.equal(await b.get([...base, 'long']), 'stays');
    assert.deepEqual(await collect(b.list(base)), [{ key: [...base, 'long'], value: 'stays' }]);
  });

  it('setting again without a ttl makes an entry permanent', async () => {
    const { a } = stores();
    const key = [...ns(), 'k'] as const;
    await a.set(key, 1, { ttl: ms(150) });
    await a.set(key, 2);
    await sleep(400);
    assert.equal(await a.get(key), 2);
  });

  it('cas swaps only when the current value equals the expected one (deep equality)', async () => {
    const { a } = stores();
    const cas = a.cas?.bind(a);
    assert.ok(cas, 'cas is implemented');
    const key = [...ns(), 'k'] as const;
    await a.set(key, { n: 1, list: [1, 2] });
    assert.equal(await cas(key, { n: 2 }, { n: 3 }), false);
    assert.deepEqual(await a.get(key), { n: 1, list: [1, 2] });
    assert.equal(await cas(key, { list: [1, 2], n: 1 }, { n: 4 }), true);
    assert.deepEqual(await a.get(key), { n: 4 });
  });

  it('cas with undefined expected creates a missing (or expired) key and refuses a present one', async () => {
    const { a } = stores();
    const cas = a.cas?.bind(a);
    assert.ok(cas);
    const base = ns();
    assert.equal(await cas([...base, 'new'], undefined, 'first'), true);
    assert.equal(await cas([...base, 'new'], undefined, 'second'), false);
    assert.equal(await a.get([...base, 'new']), 'first');
    await a.set([...base, 'expiring'], 'old', { ttl: ms(100) });
    await sleep(300);
    assert.equal(await cas([...base, 'expiring'], 'old', 'stale'), false);
    assert.equal(await cas([...base, 'expiring'], undefined, 'fresh'), true);
    assert.equal(await a.get([...base, 'expiring']), 'fresh');
  });

  it('concurrent cas on one value: exactly one wins', async () => {
    const { a, b } = stores();
    const key = [...ns(), 'k'] as const;
    await a.set(key, 'start');
    const attempts = Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).cas?.(key, 'start', `winner-${i}`));
    const results = await Promise.all(attempts);
    assert.equal(results.filter((r) => r === true).length, 1);
    const winner = results.indexOf(true);
    assert.equal(await a.get(key), `winner-${winner}`);
  });

  it('a counter incremented by racing cas loops loses no increment', async () => {
    const { a, b } = stores();
    const key = [...ns(), 'counter'] as const;
    const increment = async (store: KvStore) => {
      for (;;) {
        const current = await store.get<number>(key);
        if (await store.cas?.(key, current, (current ?? 0) + 1)) return;
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, i) => increment(i % 2 ? a : b)));
    assert.equal(await a.get(key), 16);
  });

  it('list(prefix) yields exactly the entries whose key starts with the prefix, the prefix itself included', async () => {
    const { a, b } = stores();
    const base = ns();
    await a.set([...base, 'a'], 1);
    await a.set([...base, 'a', 'b'], 2);
    await a.set([...base, 'a', 'b', 'c'], 3);
    await a.set([...base, 'a', 'b/c'], 4);
    await a.set([...base, 'ab'], 5);
    await a.set([...base, 'a-b'], 6);
    await a.set([...base, 'a.b'], 7);
    await a.set([...base, 'b', 'a'], 8);
    assert.deepEqual(
      await collect(b.list([...base, 'a'])),
      sorted([
        { key: [...base, 'a'], value: 1 },
        { key: [...base, 'a', 'b'], value: 2 },
        { key: [...base, 'a', 'b', 'c'], value: 3 },
        { key: [...base, 'a', 'b/c'], value: 4 },
      ]),
    );
    assert.deepEqual(
      await collect(b.list([...base, 'a', 'b'])),
      sorted([
        { key: [...base, 'a', 'b'], value: 2 },
        { key: [...base, 'a', 'b', 'c'], value: 3 },
      ]),
    );
    assert.equal((await collect(b.list(base))).length, 8);
    assert.deepEqual(await collect(b.list([...base, 'zzz'])), []);
  });

  it('list() without a prefix yields every entry, many of them included', async () => {
    const { a, b } = stores();
    const base = ns();
    for (let i = 0; i < 25; i++) await a.set([...base, `k${i}`], i);
    const all = await collect(b.list());
    const mine = all.filter((e) => e.key[1] === base[1]);
    assert.equal(mine.length, 25);
    assert.deepEqual(
      mine.map((e) => e.value).sort((x, y) => Number(x) - Number(y)),
      [...Array(25).keys()],
    );
  });
}
