import assert from 'node:assert/strict';
import { findKnownInstance } from '../models/instances.ops.ts';
import { type Agent, signUpAgent } from './support/api.ts';
import { forEachDatabase } from './support/databases.ts';
import { createIds, followedFrom, publish } from './support/deliveries.ts';
import { FakeMastodon } from './support/fake-mastodon.ts';
import { eventually } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

/**
 * A follower's server that accepts our delivery and never answers. The request holds one
 * queue slot, not the queue: other servers keep receiving. With a request timeout, the
 * request is abandoned and the delivery retried later. (The timeout is process-wide, so each
 * suite starts its own instance with the value it needs.)
 */
async function aliceFollowedBy(
  instance: TestInstance,
  servers: { m: FakeMastodon; name: string }[],
): Promise<Agent> {
  const { agent } = await signUpAgent(instance.url, {
    email: `alice-${instance.config.publicUrl.port}@example.org`,
    password: 'correct horse battery',
    handle: 'alice',
    displayName: 'Alice',
  });
  for (const { m, name } of servers) await followedFrom(instance, 'alice', m, name);
  return agent;
}

forEachDatabase('a follower server that never answers, long request timeout', (get, kind) => {
  let a: TestInstance;
  const healthy = new FakeMastodon();
  const stuck = new FakeMastodon();
  let alice: Agent;

  before(async function () {
    this.timeout(120_000);
    await healthy.start();
    await stuck.start();
    // Three slots: the first post's stuck request holds one, and the second post's two
    // deliveries (stuck and healthy) each get one, whichever the queue picks first.
    a = await startTestInstance(kind, {
      database: get(),
      env: { QUEUE_CONCURRENCY: '3', FEDERATION_REQUEST_TIMEOUT_MS: '60000' },
    });
    alice = await aliceFollowedBy(a, [
      { m: stuck, name: 'stella' },
      { m: healthy, name: 'hugo' },
    ]);
  });
  after(async () => {
    // Cut the held connections first, so the instance's queue does not wait for them.
    stuck.releaseHanging();
    await a?.close();
    await stuck.close();
    await healthy.close();
  });

  it('the healthy follower receives a new post while the stuck server still holds an earlier delivery open', async function () {
    this.timeout(90_000);
    stuck.inboxAnswer = () => 'hang';
    const first = await publish(alice, 'Premier message');
    await eventually(
      'the stuck server holds the first delivery',
      async () => createIds(stuck, first).length > 0,
    );
    const held = stuck.events.find((e) => e.kind === 'received' && e.answer === 'hang');
    assert.ok(held);

    const second = await publish(alice, 'Deuxième message');
    await eventually('the healthy server gets the second post', async () => {
      const [id] = createIds(healthy, second);
      return id !== undefined && healthy.acceptedDeliveries(id) === 1;
    });
    const [secondId] = createIds(healthy, second);
    const delivered = healthy.events.find((e) => e.kind === 'received' && e.activityId === secondId);
    assert.ok(delivered);
    // Causality, not speed: the stuck request was open before the second post existed, and it
    // was still open (never abandoned) when the healthy server received that post.
    assert.ok(held.seq < delivered.seq);
    assert.equal(
      stuck.events.filter((e) => e.kind === 'abandoned' && e.seq < delivered.seq).length,
      0,
      'the stuck request was not closed before the healthy delivery',
    );
    assert.ok(stuck.hangingCount >= 1, 'the stuck request is still open');
  });
});

forEachDatabase('a follower server that never answers, short request timeout', (get, kind) => {
  let a: TestInstance;
  const stuck = new FakeMastodon();
  let alice: Agent;

  before(async function () {
    this.timeout(120_000);
    await stuck.start();
    a = await startTestInstance(kind, {
      database: get(),
      env: { FEDERATION_REQUEST_TIMEOUT_MS: '1000', FEDERATION_UNAVAILABLE_AFTER_FAILURES: '2' },
    });
    alice = await aliceFollowedBy(a, [{ m: stuck, name: 'stella' }]);
  });
  after(async () => {
    stuck.releaseHanging();
    await a?.close();
    await stuck.close();
  });

  it('abandons the unanswered request after the timeout, tries the delivery again later, and counts it as a failure', async function () {
    this.timeout(90_000);
    stuck.inboxAnswer = () => 'hang';
    const post = await publish(alice, 'Serveur muet');
    await eventually('a second attempt after the first was abandoned', async () => {
      const [id] = createIds(stuck, post);
      const attempts = stuck.events.filter((e) => e.kind === 'received' && e.activityId === id);
      return attempts.length >= 2 && stuck.abandonedCount >= 1;
    });
    const [id] = createIds(stuck, post);
    const events = stuck.events.filter((e) => e.activityId === id);
    assert.equal(events[0]?.kind, 'received', 'the first attempt arrived');
    assert.equal(events[1]?.kind, 'abandoned', 'our side closed it (the timeout), the server did not answer');
    assert.equal(events[2]?.kind, 'received', 'then the delivery was tried again');
    // Each timeout is a failed delivery for the circuit breaker: after two, the server is
    // unavailable and its delivery is held instead of tried a third time.
    await eventually('the stuck server marked unavailable', async () => {
      return (await findKnownInstance(a.ctx.db, new URL(stuck.url).host))?.deliveryState === 'unavailable';
    });
    const attempts = stuck.events.filter((e) => e.kind === 'received' && e.activityId === id);
    assert.equal(attempts.length, 2, 'no third attempt while unavailable');
    stuck.releaseHanging();
  });
});
