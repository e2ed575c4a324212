import assert from 'node:assert/strict';
import request from 'supertest';
import { signUp } from '../models/accounts.ops.ts';
import { createInstitution } from '../models/institutions.ops.ts';
import { type Agent, assertProblem, newIdentity, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

const AP = 'application/activity+json';

for (const kind of databaseKinds()) {
  describe(`posts API, pages and ActivityPub objects [${kind}]`, () => {
    let instance: TestInstance;
    let alice: Agent;
    let mallory: Agent;
    let aliceHandle: string;

    before(async () => {
      instance = await startTestInstance(kind);
      const a = await signUpAgent(instance.url);
      alice = a.agent;
      aliceHandle = a.identity.handle;
      mallory = (await signUpAgent(instance.url)).agent;
    });
    after(async () => {
      await instance?.close();
    });

    const publicCount = async () =>
      (await request(instance.url).get('/api/v1/feed/public?limit=50')).body.items.length;

    it('publishing needs a session', async () => {
      assertProblem(await request(instance.url).post('/api/v1/posts').send({ content: 'x' }), 401);
      assertProblem(await request(instance.url).get('/api/v1/feed/home'), 401);
    });

    it('bad input is refused with the failing field and stores nothing', async () => {
      const before = await publicCount();
      const empty = assertProblem(await alice.post('/api/v1/posts').send({ content: '   ' }), 400);
      assert.deepEqual(
        empty.errors?.map((e) => e.field),
        ['content'],
      );
      assertProblem(await alice.post('/api/v1/posts').send({ content: 'x', visibility: 'direct' }), 400);
      assertProblem(await alice.post('/api/v1/posts').send({ content: 'x', author: 'someone' }), 400);
      assertProblem(await alice.post('/api/v1/posts').send({ content: 'x'.repeat(5001) }), 400);
      assertProblem(
        await alice.post('/api/v1/posts').send({ content: 'x', inReplyTo: 'javascript:alert(1)' }),
        400,
      );
      const missing = await alice
        .post('/api/v1/posts')
        .send({ content: 'x', inReplyTo: '01900000-0000-7000-8000-000000000000' });
      assertProblem(missing, 422);
      assert.equal(await publicCount(), before);
    });

    it('a published post is readable by anyone, without any id that could link it to an account', async () => {
      const res = await alice.post('/api/v1/posts').send({ content: 'Bonjour <le> quartier' });
      assert.equal(res.status, 201);
      assert.equal(res.headers.location, `${instance.url}/posts/${res.body.id}`);
      const get = await request(instance.url).get(`/api/v1/posts/${res.body.id}`);
      assert.equal(get.status, 200);
      assert.equal(get.body.content, '<p>Bonjour &lt;le&gt; quartier</p>');
      assert.deepEqual(Object.keys(get.body.author).sort(), [
        'avatarUrl',
        'displayName',
        'handle',
        'kind',
        'url',
      ]);
      assert.equal(get.body.author.handle, aliceHandle);
      const text = JSON.stringify(get.body);
      assert.ok(!/account|email|personaId/i.test(text));
    });

    it('another account can neither edit nor delete the post, and the post stays as it was', async () => {
      const { body } = await alice.post('/api/v1/posts').send({ content: 'à moi' });
      assertProblem(await mallory.patch(`/api/v1/posts/${body.id}`).send({ content: 'volé' }), 404);
      assertProblem(await mallory.delete(`/api/v1/posts/${body.id}`), 404);
      const get = await request(instance.url).get(`/api/v1/posts/${body.id}`);
      assert.equal(get.body.content, '<p>à moi</p>');
    });

    it('the post URL serves the HTML page to browsers and the Note to ActivityPub clients', async () => {
      const { body } = await alice.post('/api/v1/posts').send({ content: 'Réunion jeudi', language: 'fr' });
      const page = await request(instance.url).get(`/posts/${body.id}`).set('Accept', 'text/html');
      assert.equal(page.status, 200);
      assert.match(page.headers['content-type'] ?? '', /text\/html/);
      assert.match(page.text, /<p>Réunion jeudi<\/p>/);
      // A persona's post stays out of search engines.
      assert.match(page.headers['x-robots-tag'] ?? '', /noindex/);
      const note = await request(instance.url).get(`/posts/${body.id}`).set('Accept', AP);
      assert.equal(note.status, 200);
      const json = JSON.parse(note.text) as {
        type: string;
        content: string;
        contentMap?: Record<string, string>;
      };
      assert.equal(json.type, 'Note');
      assert.equal(json.content, '<p>Réunion jeudi</p>');
      assert.equal(json.contentMap?.fr, '<p>Réunion jeudi</p>');
    });

    it('a deleted post answers 410: a Tombstone for ActivityPub, a page saying so for browsers', async () => {
      const { body } = await alice.post('/api/v1/posts').send({ content: 'éphémère' });
      assert.equal((await alice.delete(`/api/v1/posts/${body.id}`)).status, 204);
      assertProblem(await request(instance.url).get(`/api/v1/posts/${body.id}`), 410);
      const ap = await request(instance.url).get(`/posts/${body.id}`).set('Accept', AP);
      assert.equal(ap.status, 410);
      assert.equal(JSON.parse(ap.text).type, 'Tombstone');
      const page = await request(instance.url).get(`/posts/${body.id}`).set('Accept', 'text/html');
      assert.equal(page.status, 410);
      assert.ok(!page.text.includes('éphémère'));
      assertProblem(await alice.delete(`/api/v1/posts/${body.id}`), 404);
    });

    it('a followers-only post is shown to its author only, and not served as a Note to unsigned requests', async () => {
      const { body } = await alice
        .post('/api/v1/posts')
        .send({ content: 'abonnés', visibility: 'followers' });
      assertProblem(await request(instance.url).get(`/api/v1/posts/${body.id}`), 404);
      assertProblem(await mallory.get(`/api/v1/posts/${body.id}`), 404);
      assert.equal((await alice.get(`/api/v1/posts/${body.id}`)).status, 200);
      // Only a signed fetch by a follower gets it (see the federation test).
      assert.equal((await request(instance.url).get(`/posts/${body.id}`).set('Accept', AP)).status, 401);
      const home = await alice.get('/api/v1/feed/home');
      assert.ok(home.body.items.some((p: { id: string }) => p.id === body.id));
    });

    it('a reply by id joins the thread, and the context lists it', async () => {
      const root = (await alice.post('/api/v1/posts').send({ content: 'Question' })).body;
      const reply = await mallory.post('/api/v1/posts').send({ content: 'Réponse', inReplyTo: root.id });
      assert.equal(reply.status, 201);
      assert.equal(reply.body.inReplyTo.id, root.id);
      const ctx = await request(instance.url).get(`/api/v1/posts/${root.id}/context`);
      assert.deepEqual(
        ctx.body.descendants.map((p: { id: string }) => p.id),
        [reply.body.id],
      );
    });

    it('feeds page with cursors and refuse a forged cursor', async () => {
      const first = await request(instance.url).get('/api/v1/feed/public?limit=2');
      assert.equal(first.body.items.length, 2);
      assert.ok(first.body.next);
      const second = await request(instance.url).get(`/api/v1/feed/public?limit=2&cursor=${first.body.next}`);
      assert.equal(second.status, 200);
      const ids = new Set([...first.body.items, ...second.body.items].map((p: { id: string }) => p.id));
      assert.equal(ids.size, first.body.items.length + second.body.items.length);
      assertProblem(await request(instance.url).get('/api/v1/feed/public?cursor=nonsense'), 400);
      assertProblem(await request(instance.url).get('/api/v1/feed/public?limit=0'), 400);
    });

    it('the outbox lists Creates of public posts, paged', async () => {
      const outbox = await request(instance.url).get(`/users/${aliceHandle}/outbox`).set('Accept', AP);
      assert.equal(outbox.status, 200);
      const collection = JSON.parse(outbox.text) as { totalItems: number; first: string };
      assert.ok(collection.totalItems >= 4);
      const page = await request(instance.url)
        .get(new URL(collection.first).pathname + new URL(collection.first).search)
        .set('Accept', AP);
      const items = (JSON.parse(page.text) as { orderedItems: { type: string; object: { type: string } }[] })
        .orderedItems;
      assert.ok(items.length > 0);
      assert.ok(items.every((i) => i.type === 'Create' && i.object.type === 'Note'));
    });

    it('only an admin publishes for an institution', async () => {
      const inst = await createInstitution(instance.ctx.db, { handle: 'mairie_test', name: 'Mairie' });
      assert.ok(inst.ok);
      assertProblem(await alice.post('/api/v1/posts').send({ content: 'officiel', as: 'mairie_test' }), 403);
      const identity = newIdentity('adm');
      assert.ok((await signUp(instance.ctx, identity, 'admin')).ok);
      const admin = request.agent(instance.url);
      await admin.post('/api/v1/session').send({ email: identity.email, password: identity.password });
      const res = await admin.post('/api/v1/posts').send({ content: 'Travaux', as: 'mairie_test' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.author.kind, 'institution');
      const page = await request(instance.url).get(`/posts/${res.body.id}`).set('Accept', 'text/html');
      assert.equal(page.headers['x-robots-tag'], undefined);
      const feed = await admin.get('/api/v1/feed/home?as=mairie_test');
      assert.deepEqual(
        feed.body.items.map((p: { id: string }) => p.id),
        [res.body.id],
      );
      assertProblem(await alice.get('/api/v1/feed/home?as=mairie_test'), 403);
    });
  });
}
