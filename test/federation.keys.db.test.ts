import assert from 'node:assert/strict';
import { exportJwk } from '@fedify/fedify';
import { actorKeyPairs } from '../federation/keys.ts';
import { findActorKeys } from '../models/federation.ops.ts';
import { signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

for (const kind of databaseKinds()) {
  describe(`local actor key pairs [${kind}]`, function () {
    this.timeout(60_000);
    let a: TestInstance;
    before(async () => {
      a = await startTestInstance(kind);
    });
    after(async () => {
      await a?.close();
    });

    it('concurrent first uses generate one set of keys, stored once, and every caller signs with it', async () => {
      const { identity } = await signUpAgent(a.url);
      const results = await Promise.all(
        Array.from({ length: 12 }, () => actorKeyPairs(a.ctx, identity.handle)),
      );
      const rows = await findActorKeys(a.ctx.db, identity.handle);
      assert.deepEqual(rows.map((r) => r.algorithm).sort(), ['ed25519', 'rsa']);
      const stored = rows.find((r) => r.algorithm === 'rsa');
      for (const pairs of results) {
        const [rsa] = pairs;
        assert.equal(pairs.length, 2);
        assert.ok(rsa);
        assert.equal((rsa.privateKey.algorithm as { name: string }).name, 'RSASSA-PKCS1-v1_5');
        assert.deepEqual(await exportJwk(rsa.publicKey), stored?.publicJwk);
      }
      // Later calls use the same imported keys.
      const again = await actorKeyPairs(a.ctx, identity.handle);
      assert.equal(again[0]?.privateKey, results[0]?.[0]?.privateKey);
    });
  });
}
