import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { configure, type LogRecord } from '@logtape/logtape';
import request from 'supertest';
import { newIdentity, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';
import { restoreTestLogging } from './support/logs.ts';

for (const kind of databaseKinds()) {
  describe(`e-mail privacy across the API and the logs [${kind}]`, () => {
    let instance: TestInstance;
    const records: LogRecord[] = [];
    before(async function () {
      this.timeout(120_000);
      // Every category at debug level into memory, for the whole life of the instance.
      await configure({
        reset: true,
        sinks: { memory: (record) => records.push(record) },
        loggers: [
          { category: [], lowestLevel: 'debug', sinks: ['memory'] },
          { category: ['logtape', 'meta'], lowestLevel: 'warning', sinks: [] },
        ],
      });
      instance = await startTestInstance(kind, { env: { LOG_LEVEL: 'debug', LOGIN_RATE_LIMIT: '2' } });
    });
    after(async () => {
      await instance?.close();
      await restoreTestLogging();
    });

    it('no public response and no log line carries an e-mail, whatever the account did', async () => {
      // The e-mail's local part shares nothing with the handle, so any appearance of it is a leak.
      const mailbox = `boite${randomBytes(4).toString('hex')}`;
      const { agent, identity } = await signUpAgent(instance.url, {
        ...newIdentity('priv'),
        email: `${mailbox}@mairie.example`,
      });
      const second = newIdentity('alt');
      await agent.post('/api/v1/me/personas').send({ handle: second.handle, displayName: 'Alt' }).expect(201);
      await agent.post(`/api/v1/me/personas/${second.handle}/activate`).expect(200);
      await agent.patch(`/api/v1/me/personas/${second.handle}`).send({ bio: 'Bonjour' }).expect(200);
      await agent.delete('/api/v1/session').expect(204);
      for (let i = 0; i < 3; i++) {
        await request(instance.url)
          .post('/api/v1/session')
          .send({ email: identity.email, password: 'wrong guess' });
      }
      await request(instance.url).post('/api/v1/accounts').send(identity).expect(409);

      const publicAnswers = [
        await request(instance.url).get(`/api/v1/personas/${identity.handle}`),
        await request(instance.url).get(`/api/v1/personas/${second.handle}`),
        await request(instance.url).get('/api/v1/districts'),
        await request(instance.url).get('/api/v1/instance'),
      ];
      const localPart = mailbox;
      for (const res of publicAnswers) {
        assert.equal(res.status, 200);
        const text = JSON.stringify(res.body) + JSON.stringify(res.headers);
        assert.ok(!text.includes(localPart), `${JSON.stringify(res.body).slice(0, 40)} shows no e-mail`);
      }
      const logged = records.map((r) => JSON.stringify({ m: r.message, p: r.properties })).join('\n');
      assert.match(logged, /Login refused/, 'the failed logins were logged');
      assert.doesNotMatch(logged, /does not match its declaration/, 'every answer matched its declaration');
      assert.ok(!logged.includes(localPart), 'no log line carries the e-mail');
      assert.ok(!logged.includes(identity.password), 'no log line carries the password');
    });

    it('the ActivityPub and WebFinger documents of a persona ask search engines not to index them', async () => {
      const { agent, identity } = await signUpAgent(instance.url, newIdentity('robots'));
      await agent.post('/api/v1/posts').send({ content: 'Bonjour' }).expect(201);
      const host = new URL(instance.url).host;
      const ap = 'application/activity+json';
      const outbox = await request(instance.url)
        .get(`/users/${identity.handle}/outbox?cursor=`)
        .set('Accept', ap);
      const note = (JSON.parse(outbox.text) as { orderedItems: { object: { id: string } }[] })
        .orderedItems[0];
      assert.ok(note, 'the outbox lists the post');
      const paths = [
        `/users/${identity.handle}`,
        `/users/${identity.handle}/outbox?cursor=`,
        new URL(note.object.id).pathname,
        `/users/${identity.handle}/followers`,
        `/.well-known/webfinger?resource=acct:${identity.handle}@${host}`,
      ];
      for (const path of paths) {
        const res = await request(instance.url).get(path).set('Accept', ap);
        assert.equal(res.status, 200, path);
        assert.match(String(res.headers['x-robots-tag']), /noindex/, `${path} is not indexed`);
      }
    });

    it('the JSON API answers about posts and feeds ask search engines not to index them', async () => {
      const { agent } = await signUpAgent(instance.url, newIdentity('robotsapi'));
      const created = await agent.post('/api/v1/posts').send({ content: 'Bonjour' }).expect(201);
      const id = (created.body as { id: string }).id;
      for (const path of [`/api/v1/posts/${id}`, `/api/v1/posts/${id}/context`, '/api/v1/feed/public']) {
        const res = await request(instance.url).get(path);
        assert.equal(res.status, 200, path);
        assert.match(String(res.headers['x-robots-tag']), /noindex/, `${path} is not indexed`);
      }
    });

    it('a public API answer read with a session is private to it, and the same answer to a visitor is not', async () => {
      const { agent } = await signUpAgent(instance.url, newIdentity('cache'));
      const own = await agent.post('/api/v1/posts').send({ content: 'Entre nous', visibility: 'followers' });
      assert.equal(own.status, 201);
      const pub = await agent.post('/api/v1/posts').send({ content: 'Pour tout le monde' });
      assert.equal(pub.status, 201);
      for (const path of [`/api/v1/posts/${own.body.id}`, `/api/v1/posts/${own.body.id}/context`]) {
        const res = await agent.get(path);
        assert.equal(res.status, 200, path);
        assert.equal(res.headers['cache-control'], 'private, no-store', `${path} read by its author`);
      }
      assert.equal((await request(instance.url).get(`/api/v1/posts/${own.body.id}`)).status, 404);
      const visitor = await request(instance.url).get(`/api/v1/posts/${pub.body.id}`);
      assert.equal(visitor.status, 200);
      assert.equal(
        visitor.headers['cache-control'],
        undefined,
        'a visitor’s answer is the same for everyone',
      );
    });
  });
}
