import assert from 'node:assert/strict';
import { listFollows } from '../models/follows.ops.ts';
import { type Agent, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { FakeMastodon } from './support/fake-mastodon.ts';
import { eventually } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

type Json = Record<string, unknown>;

/**
 * Deliveries to a follower's server that misbehaves: they go through the queue, so a local
 * action never waits for a remote server, and failures are retried with back-off.
 */
for (const kind of databaseKinds()) {
  describe(`deliveries to a Mastodon server in trouble [${kind}]`, function () {
    this.timeout(120_000);
    let a: TestInstance;
    let m: FakeMastodon;
    let alice: Agent;

    before(async () => {
      a = await startTestInstance(kind);
      m = new FakeMastodon();
      await m.start();
      const mallory = await m.addAccount('mallory');
      alice = (
        await signUpAgent(a.url, {
          email: 'alice@example.org',
          password: 'correct horse battery',
          handle: 'alice',
          displayName: 'Alice',
        })
      ).agent;
      const follow = {
        id: `${mallory}#follows/1`,
        type: 'Follow',
        actor: mallory,
        object: `${a.url}/users/alice`,
      };
      assert.equal(
        await m.deliver('mallory', `${a.url}/users/alice/inbox`, {
          '@context': 'https://www.w3.org/ns/activitystreams',
          ...follow,
        }),
        202,
      );
      await eventually('mallory follows alice', async () => {
        const rows = await listFollows(a.ctx.db, 'alice', 'inbound', { acceptedOnly: true });
        return rows.length === 1;
      });
    });
    after(async () => {
      m?.releaseHanging();
      await a?.close();
      await m?.close();
    });

    it('a delivery that Mastodon answers 503 is tried again later', async () => {
      let failed = false;
      m.inboxAnswer = (activity) => {
        if (failed || (activity.object as Json | undefined)?.content !== '<p>Deuxième essai</p>') return 202;
        failed = true;
        return 503;
      };
      const res = await alice.post('/api/v1/posts').send({ content: 'Deuxième essai', visibility: 'public' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const attempts = () =>
        m.received.filter((x) => x.type === 'Create' && (x.object as Json).id === res.body.iri).length;
      await eventually('a second attempt after the 503', async () => attempts() >= 2);
      m.releaseHanging();
    });

    it('publishing answers while the only follower server holds our delivery unanswered', async () => {
      m.inboxAnswer = () => 'hang';
      try {
        const res = await alice
          .post('/api/v1/posts')
          .send({ content: 'Serveur bloqué', visibility: 'public' });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        // The delivery is (or will be) stuck at the remote server, never answered: the post was
        // published without waiting for it.
        await eventually('the delivery held by the stuck server', async () => m.hangingCount > 0);
        const get = await alice.get(`/api/v1/posts/${res.body.id}`);
        assert.equal(get.status, 200);
      } finally {
        m.releaseHanging();
      }
    });
  });
}
