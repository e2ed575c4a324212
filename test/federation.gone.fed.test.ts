import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findRemoteActorByIri, upsertRemoteActor } from '../models/federation.ops.ts';
import { listFollows, recordInboundFollow } from '../models/follows.ops.ts';
import { newIdentity, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { eventually } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

for (const kind of databaseKinds()) {
  describe(`deliveries to actors that are gone [${kind}]`, function () {
    this.timeout(120_000);
    let a: TestInstance;
    let gone: Server;
    let goneUrl: string;
    const hits: Record<string, number> = {};

    before(async () => {
      a = await startTestInstance(kind);
      // A server whose one actor has left: its inbox answers 410, another actor's answers 404.
      gone = createServer((req, res) => {
        hits[req.url ?? ''] = (hits[req.url ?? ''] ?? 0) + 1;
        req.resume();
        res.statusCode = req.url === '/users/left/inbox' ? 410 : 404;
        res.end();
      });
      await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
      goneUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
    });
    after(async () => {
      await a?.close();
      await new Promise<void>((resolve) => gone?.close(() => resolve()));
    });

    it('a follower whose own inbox answers 410 is forgotten; one answering 404 is kept', async () => {
      const identity = newIdentity();
      const { agent } = await signUpAgent(a.url, identity);
      for (const name of ['left', 'lost']) {
        const iri = `${goneUrl}/users/${name}`;
        const actor = await upsertRemoteActor(a.ctx.db, {
          iri,
          handle: `@${name}@${new URL(goneUrl).host}`,
          type: 'Person',
          displayName: name,
          summary: '',
          avatarUrl: null,
          url: null,
          inbox: `${iri}/inbox`,
          sharedInbox: null,
        });
        await recordInboundFollow(a.ctx.db, {
          localActor: identity.handle,
          remoteActorId: actor.id,
          activityIri: `${iri}#follow`,
        });
      }
      // A profile change goes to both followers.
      const res = await agent
        .patch(`/api/v1/me/personas/${identity.handle}`)
        .send({ displayName: 'Nouveau nom' });
      assert.equal(res.status, 200);
      await eventually('the 410 to be handled', async () => {
        return (await findRemoteActorByIri(a.ctx.db, `${goneUrl}/users/left`)) === undefined;
      });
      await eventually('the 404 to be tried', async () => (hits['/users/lost/inbox'] ?? 0) >= 1);
      const followers = await listFollows(a.ctx.db, identity.handle, 'inbound');
      assert.deepEqual(
        followers.map((f) => f.actor.iri),
        [`${goneUrl}/users/lost`],
      );
    });
  });
}
