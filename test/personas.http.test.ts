import assert from 'node:assert/strict';
import request from 'supertest';
import { createDistrict } from '../models/territory.ops.ts';
import { assertProblem, countRows, newIdentity, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

for (const kind of databaseKinds()) {
  describe(`personas API [${kind}]`, () => {
    let instance: TestInstance;
    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind);
      await createDistrict(instance.database.db, { slug: 'centre', name: 'Centre' });
    });
    after(async () => {
      await instance?.close();
    });
    const db = () => instance.database.db;

    it('creates a second persona, switches to it, renames it and deletes it', async () => {
      const { agent, identity } = await signUpAgent(instance.url);
      const second = newIdentity('p');
      const created = await agent
        .post('/api/v1/me/personas')
        .send({ handle: second.handle, displayName: 'Arnaud R.', bio: 'Quartier gare', district: 'centre' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(created.body, {
        handle: second.handle,
        displayName: 'Arnaud R.',
        bio: 'Quartier gare',
        district: { slug: 'centre', name: 'Centre', verified: false },
        badges: [],
        discoverable: false,
        indexable: false,
        active: false,
      });

      const activated = await agent.post(`/api/v1/me/personas/${second.handle}/activate`);
      assert.equal(activated.status, 200);
      assert.equal(activated.body.active, true);
      assert.equal((await agent.get('/api/v1/session')).body.activePersona, second.handle);

      const renamed = await agent
        .patch(`/api/v1/me/personas/${second.handle}`)
        .send({ displayName: 'A. R.', district: null });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.displayName, 'A. R.');
      assert.equal(renamed.body.district, null);
      assert.equal(renamed.body.handle, second.handle);

      assert.equal((await agent.delete(`/api/v1/me/personas/${second.handle}`)).status, 204);
      const list = await agent.get('/api/v1/me/personas');
      assert.deepEqual(list.body, {
        activePersona: identity.handle,
        personas: [
          {
            handle: identity.handle,
            displayName: identity.displayName,
            bio: '',
            district: null,
            badges: [],
            discoverable: false,
            indexable: false,
            active: true,
          },
        ],
      });
      assertProblem(await request(instance.url).get(`/api/v1/personas/${second.handle}`), 404);
    });

    it('a deleted persona’s handle is never given again', async () => {
      const { agent } = await signUpAgent(instance.url);
      const extra = newIdentity('p');
      await agent.post('/api/v1/me/personas').send({ handle: extra.handle, displayName: 'X' }).expect(201);
      await agent.delete(`/api/v1/me/personas/${extra.handle}`).expect(204);
      const again = await agent.post('/api/v1/me/personas').send({ handle: extra.handle, displayName: 'X' });
      assertProblem(again, 409);
    });

    it('a handle used by another account is refused with 409 and nothing is created', async () => {
      const { identity } = await signUpAgent(instance.url);
      const { agent } = await signUpAgent(instance.url);
      const before = await countRows(db(), 'personas');
      const res = await agent
        .post('/api/v1/me/personas')
        .send({ handle: identity.handle, displayName: 'Copy' });
      assert.deepEqual(
        assertProblem(res, 409).errors?.map((e) => e.field),
        ['handle'],
      );
      assert.equal(await countRows(db(), 'personas'), before);
    });

    it('the last persona of an account cannot be deleted', async () => {
      const { agent, identity } = await signUpAgent(instance.url);
      assertProblem(await agent.delete(`/api/v1/me/personas/${identity.handle}`), 409);
      assert.equal((await agent.get(`/api/v1/personas/${identity.handle}`)).status, 200);
    });

    it('an account cannot edit, switch to or delete another account’s persona', async () => {
      const { identity: victim } = await signUpAgent(instance.url);
      const { agent } = await signUpAgent(instance.url);
      assertProblem(
        await agent.patch(`/api/v1/me/personas/${victim.handle}`).send({ displayName: 'Hacked' }),
        404,
      );
      assertProblem(await agent.post(`/api/v1/me/personas/${victim.handle}/activate`), 404);
      assertProblem(await agent.delete(`/api/v1/me/personas/${victim.handle}`), 404);
      const pub = await request(instance.url).get(`/api/v1/personas/${victim.handle}`);
      assert.equal(pub.body.displayName, victim.displayName);
    });

    it('malformed persona bodies get 400 with the fields and write nothing', async () => {
      const { agent, identity } = await signUpAgent(instance.url);
      const before = [await countRows(db(), 'personas'), await countRows(db(), 'handles')];
      const cases: [object, string[]][] = [
        [{}, ['handle', 'displayName']],
        [{ handle: 'a', displayName: 'x' }, ['handle']],
        [{ handle: 'fine_handle', displayName: 'x'.repeat(61) }, ['displayName']],
        [{ handle: 'fine_handle', displayName: 'x', bio: 'b'.repeat(501) }, ['bio']],
        [{ handle: 'fine_handle', displayName: 'x', district: 'Not A Slug' }, ['district']],
        [{ handle: 'fine_handle', displayName: 'x', district: 'nowhere' }, ['district']],
      ];
      for (const [body, fields] of cases) {
        const problem = assertProblem(await agent.post('/api/v1/me/personas').send(body), 400);
        assert.deepEqual(
          problem.errors?.map((e) => e.field).sort(),
          [...fields].sort(),
          JSON.stringify(body),
        );
      }
      const patch = await agent.patch(`/api/v1/me/personas/${identity.handle}`).send({ indexable: 'yes' });
      assertProblem(patch, 400);
      assert.deepEqual([await countRows(db(), 'personas'), await countRows(db(), 'handles')], before);
      assert.equal((await agent.get('/api/v1/me/personas')).body.personas[0].indexable, false);
    });

    it('a handle cannot be changed: the field is refused, the persona unchanged', async () => {
      const { agent, identity } = await signUpAgent(instance.url);
      const res = await agent
        .patch(`/api/v1/me/personas/${identity.handle}`)
        .send({ handle: 'new_name', bio: 'x' });
      assert.match(JSON.stringify(assertProblem(res, 400).errors), /handle/);
      const pub = await request(instance.url).get(`/api/v1/personas/${identity.handle}`);
      assert.equal(pub.body.bio, '');
      assertProblem(await request(instance.url).get('/api/v1/personas/new_name'), 404);
    });

    it('persona routes need a session', async () => {
      assertProblem(await request(instance.url).get('/api/v1/me/personas'), 401);
      assertProblem(
        await request(instance.url).post('/api/v1/me/personas').send({ handle: 'anon_x', displayName: 'x' }),
        401,
      );
    });

    it('a persona’s public JSON contains neither the e-mail nor another persona of the account', async () => {
      const { agent, identity } = await signUpAgent(instance.url);
      const second = newIdentity('p');
      await agent
        .post('/api/v1/me/personas')
        .send({ handle: second.handle, displayName: 'Second Voice', district: 'centre' })
        .expect(201);
      for (const handle of [identity.handle, second.handle]) {
        const res = await request(instance.url).get(`/api/v1/personas/@${handle.toUpperCase()}`);
        assert.equal(res.status, 200);
        assert.deepEqual(Object.keys(res.body).sort(), [
          'badges',
          'bio',
          'displayName',
          'district',
          'handle',
        ]);
        const text = JSON.stringify(res.body) + JSON.stringify(res.headers);
        assert.ok(!text.includes(identity.email), 'no e-mail');
        assert.ok(!text.includes('example.org'), 'no e-mail domain');
        const other = handle === identity.handle ? second : identity;
        assert.ok(!text.includes(other.handle), 'no other persona handle');
        assert.ok(!text.includes(other.displayName), 'no other persona name');
        assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-7/, 'no UUIDv7 id');
        assert.doesNotMatch(JSON.stringify(res.body), /\d{4}-\d{2}-\d{2}T/, 'no timestamp');
      }
    });

    it('a public profile says noindex unless the persona opted into indexing', async () => {
      const { agent, identity } = await signUpAgent(instance.url);
      const hidden = await request(instance.url).get(`/api/v1/personas/${identity.handle}`);
      assert.match(hidden.headers['x-robots-tag'] ?? '', /noindex/);
      await agent.patch(`/api/v1/me/personas/${identity.handle}`).send({ indexable: true }).expect(200);
      const shown = await request(instance.url).get(`/api/v1/personas/${identity.handle}`);
      assert.equal(shown.headers['x-robots-tag'], undefined);
    });

    it('an unknown handle is a 404 problem', async () => {
      assertProblem(await request(instance.url).get('/api/v1/personas/nobody_here'), 404);
      assertProblem(await request(instance.url).get('/api/v1/personas/NOT%20VALID'), 400);
    });
  });
}
