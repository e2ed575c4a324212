import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { findRemoteActorByIri } from '../models/federation.ops.ts';
import { createInstitution, updateInstitution } from '../models/institutions.ops.ts';
import { accounts } from '../models/schema/index.ts';
import type { Agent } from './support/api.ts';
import { newIdentity, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { AP_ACCEPT, adminAgent, eventually, fediHandle, queueIsEmpty } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

type FollowList = {
  follows: { actor: { handle: string; iri: string; displayName: string }; state: string }[];
};

for (const kind of databaseKinds()) {
  describe(`federation between two live instances [${kind}]`, function () {
    this.timeout(120_000);
    let a: TestInstance;
    let b: TestInstance;
    let alice: Agent;
    let bob: Agent;
    let aliceHandle: string;
    let bobHandle: string;

    before(async () => {
      [a, b] = await Promise.all([startTestInstance(kind), startTestInstance(kind)]);
      const sa = await signUpAgent(a.url);
      const sb = await signUpAgent(b.url);
      alice = sa.agent;
      bob = sb.agent;
      aliceHandle = sa.identity.handle;
      bobHandle = sb.identity.handle;
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    const following = async (agent: Agent) => (await agent.get('/api/v1/me/following')).body as FollowList;
    const followers = async (agent: Agent) => (await agent.get('/api/v1/me/followers')).body as FollowList;

    it('WebFinger finds a persona by acct: and by actor URL, and the actor document answers', async () => {
      const host = new URL(b.url).host;
      const byAcct = await request(b.url).get(`/.well-known/webfinger?resource=acct:${bobHandle}@${host}`);
      assert.equal(byAcct.status, 200);
      const self = byAcct.body.links.find((l: { rel: string }) => l.rel === 'self');
      assert.equal(self.href, `${b.url}/users/${bobHandle}`);
      const byUrl = await request(b.url).get(`/.well-known/webfinger?resource=${b.url}/users/${bobHandle}`);
      assert.equal(byUrl.status, 200);
      assert.ok(
        byUrl.body.links.some((l: { rel: string; href: string }) => l.rel === 'self' && l.href === self.href),
      );
      const actor = await request(b.url).get(`/users/${bobHandle}`).set('Accept', AP_ACCEPT);
      assert.equal(actor.status, 200);
      const doc = JSON.parse(actor.text);
      assert.equal(doc.type, 'Person');
      assert.equal(doc.preferredUsername, bobHandle);
      assert.ok(doc.publicKey?.publicKeyPem, 'an RSA key for HTTP Signatures');
      assert.ok(doc.assertionMethod?.length >= 1, 'a Multikey for object integrity proofs');
    });

    it('an unknown handle is 404 for WebFinger and for the actor', async () => {
      const host = new URL(b.url).host;
      assert.equal(
        (await request(b.url).get(`/.well-known/webfinger?resource=acct:nobody_here@${host}`)).status,
        404,
      );
      assert.equal((await request(b.url).get('/users/nobody_here').set('Accept', AP_ACCEPT)).status, 404);
    });

    it('a persona on one instance follows a persona on the other: accepted, and listed on both sides', async () => {
      const res = await alice.post('/api/v1/me/follows').send({ target: `${b.url}/users/${bobHandle}` });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.actor.handle, fediHandle(b, bobHandle));

      await eventually('the Accept', async () => (await following(alice)).follows[0]?.state === 'accepted');
      const mine = await following(alice);
      assert.deepEqual(
        mine.follows.map((f) => f.actor.iri),
        [`${b.url}/users/${bobHandle}`],
      );
      const theirs = await followers(bob);
      assert.deepEqual(
        theirs.follows.map((f) => [f.actor.handle, f.state]),
        [[fediHandle(a, aliceHandle), 'accepted']],
      );
      const counts = await request(b.url).get(`/api/v1/personas/${bobHandle}/followers`);
      assert.deepEqual(counts.body, { followers: 1, following: 0 });
      const collection = await request(b.url).get(`/users/${bobHandle}/followers`).set('Accept', AP_ACCEPT);
      assert.equal(JSON.parse(collection.text).totalItems, 1);
    });

    it('following the same actor again does not duplicate the follow', async () => {
      const res = await alice.post('/api/v1/me/follows').send({ target: `${b.url}/users/${bobHandle}` });
      assert.equal(res.status, 200);
      assert.equal((await following(alice)).follows.length, 1);
    });

    it("a profile change is sent to followers' servers, which refresh their copy", async () => {
      const res = await bob.patch(`/api/v1/me/personas/${bobHandle}`).send({ displayName: 'Bob Renamed' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await eventually('the Update', async () => {
        const list = (await alice.get('/api/v1/me/following')).body as {
          follows: { actor: { displayName: string } }[];
        };
        return list.follows[0]?.actor.displayName === 'Bob Renamed';
      });
    });

    it('an institution can be followed, and its renaming reaches its followers', async () => {
      const created = await createInstitution(b.ctx.db, { handle: 'mairie_b', name: 'Mairie B' });
      assert.ok(created.ok);
      const target = `${b.url}/users/mairie_b`;
      assert.equal((await alice.post('/api/v1/me/follows').send({ target })).status, 201);
      const entry = async () => (await following(alice)).follows.find((f) => f.actor.iri === target);
      await eventually('the Accept', async () => (await entry())?.state === 'accepted');
      assert.equal((await entry())?.actor.displayName, 'Mairie B');
      assert.ok((await updateInstitution(b.ctx, 'mairie_b', { name: 'Hôtel de ville B' })).ok);
      await eventually('the Update', async () => (await entry())?.actor.displayName === 'Hôtel de ville B');
      assert.equal((await alice.delete(`/api/v1/me/follows/${encodeURIComponent(target)}`)).status, 204);
    });

    it('unfollowing removes the follow here at once and, through Undo, on the other side', async () => {
      const target = encodeURIComponent(`${b.url}/users/${bobHandle}`);
      const res = await alice.delete(`/api/v1/me/follows/${target}`);
      assert.equal(res.status, 204);
      assert.equal((await following(alice)).follows.length, 0);
      await eventually('the Undo', async () => (await followers(bob)).follows.length === 0);
      const again = await alice.delete(`/api/v1/me/follows/${target}`);
      assert.equal(again.status, 404);
    });

    it('a Follow of a suspended persona is answered with a Reject, which ends the follow on the follower side', async () => {
      const { identity } = await signUpAgent(b.url);
      await b.ctx.db
        .update(accounts)
        .set({ suspendedAt: new Date() })
        .where(eq(accounts.email, identity.email));
      const target = `${b.url}/users/${identity.handle}`;
      const res = await alice.post('/api/v1/me/follows').send({ target });
      assert.equal(res.status, 201);
      await eventually(
        'the Reject',
        async () => !(await following(alice)).follows.some((f) => f.actor.iri === target),
      );
      const counts = await request(b.url).get(`/api/v1/personas/${identity.handle}/followers`);
      assert.equal(counts.body.followers, 0);
    });

    it('a persona deleted on its server leaves the following lists of its remote followers', async () => {
      const identity = newIdentity();
      const { agent } = await signUpAgent(b.url, identity);
      const gone = `${identity.handle}_x`;
      assert.equal(
        (await agent.post('/api/v1/me/personas').send({ handle: gone, displayName: 'X' })).status,
        201,
      );
      const target = `${b.url}/users/${gone}`;
      assert.equal((await alice.post('/api/v1/me/follows').send({ target })).status, 201);
      const followsIt = async () => (await following(alice)).follows.find((f) => f.actor.iri === target);
      await eventually('the Accept', async () => (await followsIt())?.state === 'accepted');
      assert.equal((await agent.delete(`/api/v1/me/personas/${gone}`)).status, 204);
      await eventually('the Delete', async () => (await followsIt()) === undefined);
      assert.equal(await findRemoteActorByIri(a.ctx.db, target), undefined, 'the cached actor is gone');
    });

    it('a follow by @user@domain handle of an unknown server is a clear 404, and nothing is stored', async () => {
      const res = await alice.post('/api/v1/me/follows').send({ target: '@someone@unreachable.invalid' });
      assert.equal(res.status, 404);
      assert.equal((await following(alice)).follows.length, 0);
    });

    it('bad follow targets are refused with 400/422', async () => {
      assert.equal((await alice.post('/api/v1/me/follows').send({ target: 'not a handle' })).status, 400);
      assert.equal(
        (await alice.post('/api/v1/me/follows').send({ target: `${a.url}/users/${aliceHandle}` })).status,
        422,
      );
    });

    describe('a domain block', () => {
      let admin: Agent;
      before(async () => {
        admin = await adminAgent(a);
        // Bob follows Alice, accepted, before the block.
        const res = await bob.post('/api/v1/me/follows').send({ target: `${a.url}/users/${aliceHandle}` });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        await eventually('the Accept', async () => (await following(bob)).follows[0]?.state === 'accepted');
      });

      it('only admins manage blocks: a resident gets 403, a visitor 401, and nothing is stored', async () => {
        const host = new URL(b.url).host;
        assert.equal((await alice.post('/api/v1/admin/domain-blocks').send({ domain: host })).status, 403);
        assert.equal(
          (await request(a.url).post('/api/v1/admin/domain-blocks').send({ domain: host })).status,
          401,
        );
        assert.equal((await alice.get('/api/v1/admin/instances')).status, 403);
        const list = await admin.get('/api/v1/admin/domain-blocks');
        assert.deepEqual(list.body.blocks, []);
        const bad = await admin.post('/api/v1/admin/domain-blocks').send({ domain: 'not a domain!' });
        assert.equal(bad.status, 400);
        assert.deepEqual((await admin.get('/api/v1/admin/domain-blocks')).body.blocks, []);
      });

      it('is listed, and the known instances list shows the other server as blocked', async () => {
        const host = new URL(b.url).host;
        const res = await admin.post('/api/v1/admin/domain-blocks').send({ domain: host, reason: 'test' });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        const list = await admin.get('/api/v1/admin/domain-blocks');
        assert.deepEqual(
          list.body.blocks.map((x: { domain: string }) => x.domain),
          [host],
        );
        type Row = { domain: string; blocked: boolean; software: string | null };
        const row = await eventually('the other server and its software to be known', async () => {
          const instances = await admin.get('/api/v1/admin/instances');
          const found = (instances.body.instances as Row[]).find((i) => i.domain === host);
          return found?.software ? found : undefined;
        });
        assert.equal(row.blocked, true);
        assert.match(row.software ?? '', /^parvis /);
      });

      it('ends the follows with that server', async () => {
        assert.equal((await followers(alice)).follows.length, 0);
      });

      it('stops outgoing: following an actor there is refused', async () => {
        const res = await alice.post('/api/v1/me/follows').send({ target: `${b.url}/users/${bobHandle}` });
        assert.equal(res.status, 422);
        assert.equal((await following(alice)).follows.length, 0);
      });

      it('drops incoming: a Follow from there is never recorded nor accepted', async () => {
        const target = encodeURIComponent(`${a.url}/users/${aliceHandle}`);
        assert.equal((await bob.delete(`/api/v1/me/follows/${target}`)).status, 204);
        const res = await bob.post('/api/v1/me/follows').send({ target: `${a.url}/users/${aliceHandle}` });
        assert.equal(res.status, 201);
        // The blocked side answers 202 and drops it: once the sender's queue is empty (delivered,
        // no retry pending), the follow is still pending there and nothing appeared here.
        await eventually("the sender's queue to drain", () => queueIsEmpty(b.ctx.db));
        assert.equal((await following(bob)).follows[0]?.state, 'pending');
        assert.equal((await followers(alice)).follows.length, 0);
      });

      it('once lifted, follows work again', async () => {
        const host = encodeURIComponent(new URL(b.url).host);
        assert.equal((await admin.delete(`/api/v1/admin/domain-blocks/${host}`)).status, 204);
        assert.equal((await admin.delete(`/api/v1/admin/domain-blocks/${host}`)).status, 404);
        const res = await alice.post('/api/v1/me/follows').send({ target: `${b.url}/users/${bobHandle}` });
        assert.equal(res.status, 201);
        await eventually('the Accept', async () => (await following(alice)).follows[0]?.state === 'accepted');
      });
    });
  });
}
