import assert from 'node:assert/strict';
import request from 'supertest';
import { findAccountByEmail, setRole } from '../models/accounts.ops.ts';
import type { Role } from '../models/schema/index.ts';
import { type Agent, assertProblem, countRows, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

for (const kind of databaseKinds()) {
  describe(`territory API: districts and the instance [${kind}]`, () => {
    let instance: TestInstance;
    let admin: Agent;
    let resident: Agent;
    let residentHandle: string;

    async function agentWithRole(role: Role) {
      const { agent, identity } = await signUpAgent(instance.url);
      const account = await findAccountByEmail(instance.database.db, identity.email);
      assert.ok(account);
      await setRole(instance.database.db, account.id, role);
      return { agent, identity };
    }

    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind, { env: { INSTANCE_NAME: 'Ville-Test' } });
      admin = (await agentWithRole('admin')).agent;
      const r = await signUpAgent(instance.url);
      resident = r.agent;
      residentHandle = r.identity.handle;
    });
    after(async () => {
      await instance?.close();
    });

    it('an admin adds, renames and removes districts; anyone lists them', async () => {
      const created = await admin
        .post('/api/v1/districts')
        .send({ slug: 'bords-de-loire', name: 'Bords de Loire', description: 'Quais' });
      assert.equal(created.status, 201);
      assert.deepEqual(created.body, {
        slug: 'bords-de-loire',
        name: 'Bords de Loire',
        description: 'Quais',
      });
      await admin.post('/api/v1/districts').send({ slug: 'centre', name: 'Centre' }).expect(201);
      assertProblem(await admin.post('/api/v1/districts').send({ slug: 'centre', name: 'Autre' }), 409);

      const renamed = await admin.patch('/api/v1/districts/centre').send({ name: 'Centre-ville' });
      assert.equal(renamed.body.name, 'Centre-ville');
      const unchanged = await admin.patch('/api/v1/districts/centre').send({});
      assert.equal(unchanged.status, 200);
      assert.equal(unchanged.body.name, 'Centre-ville');

      const list = await request(instance.url).get('/api/v1/districts');
      assert.deepEqual(
        list.body.map((d: { slug: string }) => d.slug),
        ['bords-de-loire', 'centre'],
      );
      assert.equal((await admin.delete('/api/v1/districts/bords-de-loire')).status, 204);
      assertProblem(await admin.delete('/api/v1/districts/bords-de-loire'), 404);
      assertProblem(await admin.patch('/api/v1/districts/nowhere').send({ name: 'X' }), 404);
    });

    it('a resident cannot edit districts (403) and an anonymous visitor must log in (401); nothing changes', async () => {
      const before = await countRows(instance.database.db, 'districts');
      assertProblem(await resident.post('/api/v1/districts').send({ slug: 'nord', name: 'Nord' }), 403);
      assertProblem(await resident.patch('/api/v1/districts/centre').send({ name: 'Pris' }), 403);
      assertProblem(await resident.delete('/api/v1/districts/centre'), 403);
      assertProblem(
        await request(instance.url).post('/api/v1/districts').send({ slug: 'nord', name: 'Nord' }),
        401,
      );
      assert.equal(await countRows(instance.database.db, 'districts'), before);
    });

    it('agents and moderators cannot edit the territory either', async () => {
      for (const role of ['agent', 'moderator'] as const) {
        const { agent } = await agentWithRole(role);
        assertProblem(await agent.post('/api/v1/districts').send({ slug: 'sud', name: 'Sud' }), 403);
        assertProblem(await agent.patch('/api/v1/instance').send({ name: 'Pris' }), 403);
      }
    });

    it('malformed district bodies get 400 with the fields', async () => {
      const problem = assertProblem(
        await admin.post('/api/v1/districts').send({ slug: 'Pas Bon', name: '' }),
        400,
      );
      assert.deepEqual(problem.errors?.map((e) => e.field).sort(), ['name', 'slug']);
    });

    it('a persona declares a district, unverified, and loses it when the district is removed', async () => {
      await admin.post('/api/v1/districts').send({ slug: 'gare', name: 'Gare' }).expect(201);
      await resident.patch(`/api/v1/me/personas/${residentHandle}`).send({ district: 'gare' }).expect(200);
      const pub = await request(instance.url).get(`/api/v1/personas/${residentHandle}`);
      assert.deepEqual(pub.body.district, { slug: 'gare', name: 'Gare', verified: false });
      await admin.delete('/api/v1/districts/gare').expect(204);
      const after = await request(instance.url).get(`/api/v1/personas/${residentHandle}`);
      assert.equal(after.body.district, null);
    });

    it('the instance name comes from the configuration until an admin changes it', async () => {
      const first = await request(instance.url).get('/api/v1/instance');
      assert.deepEqual(first.body, {
        name: 'Ville-Test',
        description: '',
        defaultLanguage: 'fr',
        languages: ['fr', 'en'],
      });
      assertProblem(await resident.patch('/api/v1/instance').send({ name: 'Pris' }), 403);
      assertProblem(await admin.patch('/api/v1/instance').send({ name: '' }), 400);
      const changed = await admin
        .patch('/api/v1/instance')
        .send({ name: 'Saint-Parvis', description: 'Notre ville' });
      assert.equal(changed.status, 200);
      const now = await request(instance.url).get('/api/v1/instance');
      assert.equal(now.body.name, 'Saint-Parvis');
      assert.equal(now.body.description, 'Notre ville');
    });
  });
}
