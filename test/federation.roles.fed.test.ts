import assert from 'node:assert/strict';
import type { Database } from '../models/db.ts';
import { type Agent, signUpAgent } from './support/api.ts';
import { databaseKinds, openTestDatabase } from './support/databases.ts';
import { eventually, queueIsEmpty } from './support/federation.ts';
import { freePort, startTestInstance, type TestInstance } from './support/instance.ts';

type FollowList = { follows: { state: string }[] };

for (const kind of databaseKinds()) {
  describe(`NODE_ROLE: web processes enqueue, worker processes deliver [${kind}]`, function () {
    this.timeout(120_000);
    let database: Database;
    let web: TestInstance;
    let worker: TestInstance | undefined;
    let remote: TestInstance;
    let alice: Agent;
    let bobIri: string;

    before(async () => {
      database = await openTestDatabase(kind);
      const port = await freePort();
      web = await startTestInstance(kind, { database, port, env: { NODE_ROLE: 'web' } });
      remote = await startTestInstance(kind);
      alice = (await signUpAgent(web.url)).agent;
      const bob = await signUpAgent(remote.url);
      bobIri = `${remote.url}/users/${bob.identity.handle}`;
    });
    after(async () => {
      await Promise.all([web?.close(), worker?.close(), remote?.close()]);
      await database?.close();
    });

    const following = async () => (await alice.get('/api/v1/me/following')).body as FollowList;

    it('with only a web process, a follow is stored pending and its delivery waits in the queue', async () => {
      const res = await alice.post('/api/v1/me/follows').send({ target: bobIri });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.state, 'pending');
      assert.equal(await queueIsEmpty(database.db), false);
    });

    it('a worker process on the same database delivers it, and handles the Accept the web process received', async () => {
      worker = await startTestInstance(kind, {
        database,
        port: Number(new URL(web.url).port),
        env: { NODE_ROLE: 'worker' },
      });
      assert.equal(worker.server, undefined, 'a worker does not serve HTTP');
      await eventually('the Accept', async () => (await following()).follows[0]?.state === 'accepted');
    });
  });
}
