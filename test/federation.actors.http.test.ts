import assert from 'node:assert/strict';
import request from 'supertest';
import { createInstitution } from '../models/institutions.ops.ts';
import { findPersonaByHandle } from '../models/personas.ops.ts';
import { badges } from '../models/schema/index.ts';
import { newIdentity, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { AP_ACCEPT } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

for (const kind of databaseKinds()) {
  describe(`ActivityPub actors and discovery [${kind}]`, function () {
    this.timeout(120_000);
    let a: TestInstance;
    const getActor = async (handle: string) =>
      request(a.url).get(`/users/${handle}`).set('Accept', AP_ACCEPT);

    before(async () => {
      a = await startTestInstance(kind);
    });
    after(async () => {
      await a?.close();
    });

    it("a persona's actor is unindexable and undiscoverable by default and links to nothing else of the account", async () => {
      const identity = newIdentity();
      const { agent } = await signUpAgent(a.url, identity);
      const second = await agent
        .post('/api/v1/me/personas')
        .send({ handle: `${identity.handle}_alt`, displayName: 'Alt ego' });
      assert.equal(second.status, 201, JSON.stringify(second.body));

      const res = await getActor(identity.handle);
      assert.equal(res.status, 200);
      assert.match(res.headers['content-type'] ?? '', /activity\+json|ld\+json/);
      const doc = JSON.parse(res.text);
      assert.equal(doc.type, 'Person');
      assert.equal(doc.indexable, false);
      assert.equal(doc.discoverable, false);
      assert.equal(doc.manuallyApprovesFollowers, false);
      assert.equal(doc.url, `${a.url}/@${identity.handle}`);
      assert.equal(doc.published, undefined, 'no creation time that could match other personas');
      assert.doesNotMatch(res.text, UUID_RE, 'no internal id');
      assert.ok(!res.text.includes(identity.email), 'no e-mail');
      assert.ok(!res.text.includes(`${identity.handle}_alt`), 'no other persona of the account');
      assert.ok(!res.text.includes('Alt ego'));
    });

    it('a persona that opts in is discoverable and indexable', async () => {
      const identity = newIdentity();
      const { agent } = await signUpAgent(a.url, identity);
      const res = await agent
        .patch(`/api/v1/me/personas/${identity.handle}`)
        .send({ discoverable: true, indexable: true });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const doc = JSON.parse((await getActor(identity.handle)).text);
      assert.equal(doc.discoverable, true);
      assert.equal(doc.indexable, true);
    });

    it("a persona's verified badges appear as PropertyValue attachments naming the issuer, without dates", async () => {
      const { identity } = await signUpAgent(a.url);
      const persona = await findPersonaByHandle(a.ctx.db, identity.handle);
      assert.ok(persona);
      await a.ctx.db.insert(badges).values({
        personaId: persona.id,
        issuer: 'https://id.example.org',
        issuerName: 'Ville de Test',
        type: 'residence',
        disclosed: { resident_of: 'Testville', age_range: '30-39' },
        expiresAt: new Date(Date.now() + 86_400_000),
        holderKeyThumbprint: 'thumb',
        verifiedOn: new Date(),
      });
      const res = await getActor(identity.handle);
      const doc = JSON.parse(res.text);
      const attachments = [doc.attachment].flat().filter(Boolean) as {
        type: string;
        name: string;
        value: string;
      }[];
      assert.deepEqual(
        attachments.map((x) => [x.type, x.name, x.value]),
        [
          ['PropertyValue', 'Résident·e vérifié·e (Ville de Test)', 'Testville'],
          ['PropertyValue', 'Âge vérifié (Ville de Test)', '30–39 ans'],
        ],
      );
      assert.ok(!res.text.includes('thumb'));
      assert.doesNotMatch(res.text, UUID_RE);
    });

    it('key pairs are generated once and kept: the same public key on every fetch', async () => {
      const { identity } = await signUpAgent(a.url);
      const first = JSON.parse((await getActor(identity.handle)).text);
      const second = JSON.parse((await getActor(identity.handle)).text);
      assert.ok(first.publicKey.publicKeyPem.startsWith('-----BEGIN PUBLIC KEY-----'));
      assert.equal(second.publicKey.publicKeyPem, first.publicKey.publicKeyPem);
      assert.deepEqual(second.assertionMethod, first.assertionMethod);
    });

    it('an institution is an Organization under the same handle namespace', async () => {
      const created = await createInstitution(a.ctx.db, {
        handle: 'mairie',
        name: 'Mairie de Test',
        description: 'La mairie <b>officielle</b>',
      });
      assert.ok(created.ok);
      const doc = JSON.parse((await getActor('mairie')).text);
      assert.equal(doc.type, 'Organization');
      assert.equal(doc.name, 'Mairie de Test');
      assert.equal(doc.summary, '<p>La mairie &lt;b&gt;officielle&lt;/b&gt;</p>');
      const again = await createInstitution(a.ctx.db, { handle: 'mairie', name: 'Autre' });
      assert.deepEqual(again, { ok: false, reason: 'handle-taken' });
      assert.deepEqual(await createInstitution(a.ctx.db, { handle: 'Not a handle!', name: 'X' }), {
        ok: false,
        reason: 'invalid-handle',
      });
    });

    it('a deleted persona answers 410 Gone with a Tombstone, and WebFinger no longer finds it', async () => {
      const identity = newIdentity();
      const { agent } = await signUpAgent(a.url, identity);
      const other = `${identity.handle}_b`;
      assert.equal(
        (await agent.post('/api/v1/me/personas').send({ handle: other, displayName: 'B' })).status,
        201,
      );
      assert.equal((await agent.delete(`/api/v1/me/personas/${other}`)).status, 204);
      const res = await getActor(other);
      assert.equal(res.status, 410);
      assert.equal(JSON.parse(res.text).type, 'Tombstone');
      const host = new URL(a.url).host;
      assert.equal(
        (await request(a.url).get(`/.well-known/webfinger?resource=acct:${other}@${host}`)).status,
        404,
      );
    });

    it('a browser asking for an actor is sent to its profile page', async () => {
      const { identity } = await signUpAgent(a.url);
      const res = await request(a.url).get(`/users/${identity.handle}`).set('Accept', 'text/html');
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, `/@${identity.handle}`);
    });

    it('the instance actor is an Application that can sign fetches', async () => {
      const doc = JSON.parse((await getActor('instance.actor')).text);
      assert.equal(doc.type, 'Application');
      assert.ok(doc.publicKey.publicKeyPem);
    });

    it('NodeInfo 2.1 counts live personas and institutions as users', async () => {
      const wellKnown = await request(a.url).get('/.well-known/nodeinfo');
      const href: string = wellKnown.body.links[0].href;
      assert.equal(href, `${a.url}/nodeinfo/2.1`);
      const info = await request(a.url).get('/nodeinfo/2.1');
      assert.equal(info.status, 200);
      assert.equal(info.body.software.name, 'parvis');
      assert.deepEqual(info.body.protocols, ['activitypub']);
      const { body } = await request(a.url).get('/nodeinfo/2.1');
      const before = body.usage.users.total as number;
      await signUpAgent(a.url);
      const after = (await request(a.url).get('/nodeinfo/2.1')).body.usage.users.total as number;
      assert.equal(after, before + 1);
      assert.equal(typeof info.body.usage.localPosts, 'number');
    });

    it('followers and following collections publish counts, not lists', async () => {
      const { identity } = await signUpAgent(a.url);
      for (const which of ['followers', 'following']) {
        const res = await request(a.url).get(`/users/${identity.handle}/${which}`).set('Accept', AP_ACCEPT);
        assert.equal(res.status, 200);
        const doc = JSON.parse(res.text);
        assert.equal(doc.totalItems, 0);
      }
      const outbox = await request(a.url).get(`/users/${identity.handle}/outbox`).set('Accept', AP_ACCEPT);
      assert.equal(outbox.status, 200);
      assert.ok(JSON.parse(outbox.text).first, 'the outbox is paged');
      for (const which of ['outbox', 'followers', 'following']) {
        const res = await request(a.url).get(`/users/nobody_at_all/${which}`).set('Accept', AP_ACCEPT);
        assert.equal(res.status, 404, which);
      }
    });

    it('an actor document carries what Mastodon reads, with the context terms that define it', async () => {
      const { identity } = await signUpAgent(a.url);
      const doc = JSON.parse((await getActor(identity.handle)).text);
      const id = `${a.url}/users/${identity.handle}`;
      assert.equal(doc.id, id);
      assert.equal(doc.preferredUsername, identity.handle);
      for (const [key, path] of Object.entries({
        inbox: 'inbox',
        outbox: 'outbox',
        followers: 'followers',
      })) {
        assert.equal(doc[key], `${id}/${path}`);
      }
      assert.equal(doc.following, `${id}/following`);
      assert.equal(doc.endpoints.sharedInbox, `${a.url}/inbox`);
      assert.deepEqual(
        { id: doc.publicKey.id, owner: doc.publicKey.owner },
        { id: `${id}#main-key`, owner: id },
      );
      assert.match(doc.publicKey.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
      assert.ok([doc.assertionMethod].flat().every((k: { controller: string }) => k.controller === id));
      // Mastodon reads `discoverable`, `indexable` and PropertyValue fields only through these terms.
      const terms = Object.assign({}, ...[doc['@context']].flat().filter((c) => typeof c === 'object'));
      assert.equal(terms.toot, 'http://joinmastodon.org/ns#');
      assert.equal(terms.discoverable, 'toot:discoverable');
      assert.equal(terms.indexable, 'toot:indexable');
      assert.equal(terms.schema, 'http://schema.org#');
      assert.equal(terms.PropertyValue, 'schema:PropertyValue');
      assert.equal(terms.value, 'schema:value');
      assert.equal(terms.manuallyApprovesFollowers, 'as:manuallyApprovesFollowers');
      assert.ok([doc['@context']].flat().includes('https://w3id.org/security/v1'));
    });

    it('WebFinger finds an institution and the instance actor by acct:, with self and profile links', async () => {
      const host = new URL(a.url).host;
      for (const [handle, page] of [
        ['mairie', `${a.url}/@mairie`],
        ['instance.actor', `${a.url}/`],
      ]) {
        const res = await request(a.url).get(`/.well-known/webfinger?resource=acct:${handle}@${host}`);
        assert.equal(res.status, 200, handle);
        const jrd = JSON.parse(res.text);
        assert.equal(jrd.subject, `acct:${handle}@${host}`);
        assert.ok(jrd.aliases.includes(`${a.url}/users/${handle}`));
        const self = jrd.links.find((l: { rel: string }) => l.rel === 'self');
        assert.deepEqual(self, {
          rel: 'self',
          type: 'application/activity+json',
          href: `${a.url}/users/${handle}`,
        });
        const profile = jrd.links.find(
          (l: { rel: string }) => l.rel === 'http://webfinger.net/rel/profile-page',
        );
        assert.equal(profile?.href, page);
      }
      const elsewhere = await request(a.url).get('/.well-known/webfinger?resource=acct:mairie@other.example');
      assert.equal(elsewhere.status, 404);
    });
  });
}
