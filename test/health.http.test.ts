import assert from 'node:assert/strict';
import request from 'supertest';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

for (const kind of databaseKinds()) {
  describe(`health endpoints [${kind}]`, () => {
    let instance: TestInstance;
    before(async () => {
      instance = await startTestInstance(kind);
    });
    after(async () => {
      await instance?.close();
    });

    it('/healthz answers 200 while the process is up', async () => {
      const res = await request(instance.url).get('/healthz');
      assert.equal(res.status, 200);
      assert.equal(res.body.status, 'ok');
    });

    it('/readyz answers 200 once the database is reachable and migrated', async () => {
      const res = await request(instance.url).get('/readyz');
      assert.equal(res.status, 200);
      assert.equal(res.body.database, kind);
    });
  });
}
