import assert from 'node:assert/strict';
import { importJwk, signRequest } from '@fedify/fedify';
import request from 'supertest';
import { findActorKeys } from '../models/federation.ops.ts';
import { loadConfig } from '../server/config.ts';
import { type Agent, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { AP_ACCEPT, domainTableCounts } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

describe('private addresses (SSRF)', () => {
  it('the test-only setting that allows them is refused in production', () => {
    assert.throws(
      () =>
        loadConfig({
          NODE_ENV: 'production',
          SECRET_KEY: 'x'.repeat(40),
          FEDERATION_ALLOW_PRIVATE_ADDRESS: 'true',
        }),
      /FEDERATION_ALLOW_PRIVATE_ADDRESS/,
    );
  });
});

for (const kind of databaseKinds()) {
  describe(`an instance without the test-only setting reaches no private address [${kind}]`, function () {
    this.timeout(120_000);
    let strict: TestInstance;
    let other: TestInstance;
    let alice: Agent;
    let bobHandle: string;

    before(async () => {
      strict = await startTestInstance(kind, { env: { FEDERATION_ALLOW_PRIVATE_ADDRESS: 'false' } });
      other = await startTestInstance(kind);
      alice = (await signUpAgent(strict.url)).agent;
      bobHandle = (await signUpAgent(other.url)).identity.handle;
    });
    after(async () => {
      await Promise.all([strict?.close(), other?.close()]);
    });

    it('following an actor on a loopback address finds nothing and stores nothing', async () => {
      const before = await domainTableCounts(strict.ctx.db);
      const res = await alice.post('/api/v1/me/follows').send({ target: `${other.url}/users/${bobHandle}` });
      assert.equal(res.status, 404, JSON.stringify(res.body));
      assert.deepEqual(await domainTableCounts(strict.ctx.db), before);
    });

    it('a signed Follow from a loopback actor cannot be verified (its key is not fetched): 401, nothing stored', async () => {
      const { identity } = await signUpAgent(other.url);
      const actorIri = `${other.url}/users/${identity.handle}`;
      const doc = JSON.parse(
        (await request(other.url).get(`/users/${identity.handle}`).set('Accept', AP_ACCEPT)).text,
      );
      const rsa = (await findActorKeys(other.ctx.db, identity.handle)).find((k) => k.algorithm === 'rsa');
      assert.ok(rsa);
      const target = (await alice.get('/api/v1/me/following')).body.persona as string;
      const body = JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${actorIri}#follows/1`,
        type: 'Follow',
        actor: actorIri,
        object: `${strict.url}/users/${target}`,
      });
      const before = await domainTableCounts(strict.ctx.db);
      const signed = await signRequest(
        new Request(`${strict.url}/inbox`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/activity+json' },
          body,
        }),
        await importJwk(rsa.privateJwk, 'private'),
        new URL(doc.publicKey.id),
      );
      const res = await fetch(signed);
      assert.equal(res.status, 401);
      assert.deepEqual(await domainTableCounts(strict.ctx.db), before);
    });
  });
}
