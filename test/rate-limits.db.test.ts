import assert from 'node:assert/strict';
import {
  clearRateLimit,
  forgiveRateLimitHit,
  hitRateLimit,
  pruneRateLimits,
} from '../models/rate-limits.ops.ts';
import { forEachDatabase } from './support/databases.ts';

forEachDatabase('rate limit counters', (get) => {
  const t0 = new Date('2026-01-01T10:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it('allows up to the limit in a window, then refuses until the window ends', async () => {
    const db = get().db;
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await hitRateLimit(db, 'k1', 3, 60_000, at(i * 1000)));
    assert.deepEqual(
      results.map((r) => r.allowed),
      [true, true, true, false],
    );
    assert.equal(results[3]!.resetAt.getTime(), at(60_000).getTime());
    const next = await hitRateLimit(db, 'k1', 3, 60_000, at(60_000));
    assert.equal(next.allowed, true);
    assert.equal(next.remaining, 2);
  });

  it('concurrent hits are all counted', async () => {
    const db = get().db;
    await Promise.all(Array.from({ length: 20 }, () => hitRateLimit(db, 'k2', 100, 60_000, t0)));
    const after = await hitRateLimit(db, 'k2', 100, 60_000, t0);
    assert.equal(after.remaining, 100 - 21);
  });

  it('a forgiven hit no longer counts, and clearing forgets the key', async () => {
    const db = get().db;
    await hitRateLimit(db, 'k3', 2, 60_000, t0);
    await hitRateLimit(db, 'k3', 2, 60_000, t0);
    await forgiveRateLimitHit(db, 'k3');
    assert.equal((await hitRateLimit(db, 'k3', 2, 60_000, t0)).allowed, true);
    await clearRateLimit(db, 'k3');
    assert.equal((await hitRateLimit(db, 'k3', 2, 60_000, t0)).remaining, 1);
  });

  it('pruning drops only the counters whose window has passed', async () => {
    const db = get().db;
    await hitRateLimit(db, 'old', 5, 1000, t0);
    await hitRateLimit(db, 'fresh', 5, 3600_000, t0);
    // Only 'old' has ended by then (the other tests' windows last a minute).
    assert.equal(await pruneRateLimits(db, at(5000)), 1);
    assert.equal((await hitRateLimit(db, 'fresh', 5, 3600_000, at(5000))).remaining, 3);
    assert.equal((await hitRateLimit(db, 'old', 5, 1000, at(5000))).remaining, 4);
  });
});
