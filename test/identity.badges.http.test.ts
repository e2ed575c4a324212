import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import request from 'supertest';
import {
  type HeldCredential,
  type PresentationRequest,
  parseOfferUri,
  present,
  receiveBatch,
} from '../identity/holder/holder.ts';
import { createOperator } from '../identity/service/enrolment.ops.ts';
import { expireBadges, listActiveBadges } from '../models/badges.ops.ts';
import { badgeRequests, badges, usedCredentials } from '../models/schema/index.ts';
import { databaseKinds } from './support/databases.ts';
import { openIdentityTestDb, startIdentityApp } from './support/identity-service.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

const OPERATOR = { email: 'desk@town.example', password: 'a desk password long enough' };

for (const kind of databaseKinds()) {
  describe(`badges on the platform, over HTTP (${kind})`, () => {
    let identityDb: Awaited<ReturnType<typeof openIdentityTestDb>>;
    let identity: Awaited<ReturnType<typeof startIdentityApp>>;
    let platform: TestInstance;
    let owner: ReturnType<typeof request.agent>;
    let other: ReturnType<typeof request.agent>;
    let wallet: HeldCredential[];

    const count = async () => ({
      badges: (await platform.database.db.select().from(badges)).length,
      used: (await platform.database.db.select().from(usedCredentials)).length,
    });

    async function ask(handle = 'owner', claims = ['resident_of', 'age_range']) {
      const res = await owner.post(`/api/v1/personas/${handle}/badges/request`).send({ claims }).expect(201);
      return res.body.request as PresentationRequest;
    }

    function post(req: PresentationRequest, fields: Record<string, string>) {
      return request(platform.url).post(new URL(req.response_uri).pathname).type('form').send(fields);
    }

    async function answer(
      req: PresentationRequest,
      held: HeldCredential,
      status: number,
      options: { aud?: string; claims?: string[] } = {},
    ) {
      const shown = await present(held, {
        claims: options.claims ?? ['resident_of', 'age_range'],
        audience: options.aud ?? req.client_id,
        nonce: req.nonce,
      });
      return post(req, { vp_token: JSON.stringify({ residence: [shown] }), state: req.state }).expect(status);
    }

    /** A presentation posted without expecting a status, for answers racing each other. */
    async function unchecked(req: PresentationRequest, held: HeldCredential, claims = ['resident_of']) {
      const shown = await present(held, { claims, audience: req.client_id, nonce: req.nonce });
      return post(req, { vp_token: JSON.stringify({ residence: [shown] }), state: req.state });
    }

    before(async () => {
      identityDb = await openIdentityTestDb(kind);
      identity = await startIdentityApp(identityDb.handle);
      platform = await startTestInstance(kind, { env: { IDENTITY_ISSUERS: identity.url } });
      assert.ok((await createOperator(identity.ctx.db, OPERATOR.email, OPERATOR.password)).ok);
      const desk = request.agent(identity.url);
      await desk.post('/operator/login').send(OPERATOR).expect(204);
      const enrolled = await desk
        .post('/desk/enrolments')
        .send({ familyName: 'Perrin', givenNames: 'Lou', birthdate: '1996-10-10', district: 'Centre' })
        .expect(201);
      wallet = (await receiveBatch(parseOfferUri(enrolled.body.credential_offer_uri), 5)).credentials;
      const again = await desk
        .post('/desk/enrolments')
        .send({ familyName: 'Perrin', givenNames: 'Lou', birthdate: '1996-10-10', district: 'Centre' })
        .expect(201);
      wallet.push(...(await receiveBatch(parseOfferUri(again.body.credential_offer_uri), 5)).credentials);
      owner = request.agent(platform.url);
      await owner
        .post('/api/v1/accounts')
        .send({
          email: 'owner@example.org',
          password: 'a long enough password',
          handle: 'owner',
          displayName: 'Owner',
        })
        .expect(201);
      other = request.agent(platform.url);
      await other
        .post('/api/v1/accounts')
        .send({
          email: 'other@example.org',
          password: 'a long enough password',
          handle: 'other',
          displayName: 'Other',
        })
        .expect(201);
    });

    after(async () => {
      await platform.close();
      await identity.close();
      await identityDb.drop();
    });

    it('asks only for its own persona, with known claims, when signed in', async () => {
      await request(platform.url).post('/api/v1/personas/owner/badges/request').send({}).expect(401);
      await other.post('/api/v1/personas/owner/badges/request').send({}).expect(404);
      const bad = await owner
        .post('/api/v1/personas/owner/badges/request')
        .send({ claims: ['family_name'] })
        .expect(400);
      assert.equal(bad.type, 'application/problem+json');
      await owner
        .post('/api/v1/personas/owner/badges/request')
        .send({ issuer: 'https://elsewhere.example' })
        .expect(409);
      const res = await owner.post('/api/v1/personas/owner/badges/request').send({}).expect(201);
      assert.equal(res.body.request.client_id, platform.url);
      assert.deepEqual(res.body.request.dcql_query.credentials[0].claims, [
        { path: ['resident_of'] },
        { path: ['age_range'] },
      ]);
      const wallet = new URL(res.body.walletUrl);
      assert.equal(wallet.origin + wallet.pathname, `${identity.url}/wallet`);
      assert.equal(wallet.searchParams.get('nonce'), res.body.request.nonce);
    });

    it('refuses malformed answers, unknown states and refusals from the wallet, storing nothing', async () => {
      const req = await ask();
      const before = await count();
      await post(req, {}).expect(400);
      await post(req, { vp_token: 'not json', state: req.state }).expect(400);
      await post(req, { vp_token: JSON.stringify({ other: ['x'] }), state: req.state }).expect(400);
      await post(req, { vp_token: JSON.stringify({ residence: ['x~y~'] }), state: 'unknown' }).expect(400);
      const declined = await post(req, { error: 'access_denied', state: req.state }).expect(400);
      assert.equal(declined.type, 'application/problem+json');
      assert.deepEqual(await count(), before);
    });

    it('refuses a presentation for another audience and one without key binding, then accepts an honest one', async () => {
      const req = await ask();
      const before = await count();
      const wrongAud = await answer(req, wallet[0]!, 400, { aud: 'https://other-platform.example' });
      assert.equal(wrongAud.body.detail, 'wrong-audience');
      const shown = await present(wallet[0]!, {
        claims: ['resident_of'],
        audience: req.client_id,
        nonce: req.nonce,
      });
      const withoutKb = shown.slice(0, shown.lastIndexOf('~') + 1);
      const missing = await post(req, {
        vp_token: JSON.stringify({ residence: [withoutKb] }),
        state: req.state,
      }).expect(400);
      assert.equal(missing.body.detail, 'missing-key-binding');
      const stale = await present(wallet[0]!, {
        claims: ['resident_of'],
        audience: req.client_id,
        nonce: req.nonce,
        iat: Math.floor(Date.now() / 1000) - 3600,
      });
      const staleRes = await post(req, {
        vp_token: JSON.stringify({ residence: [stale] }),
        state: req.state,
      }).expect(400);
      assert.equal(staleRes.body.detail, 'stale-key-binding');
      assert.deepEqual(await count(), before, 'refusals store nothing and leave the request open');
      const accepted = await answer(req, wallet.shift()!, 200);
      assert.equal((await count()).badges, before.badges + 1);
      // Not shown until the owner's browser brings back the response code.
      const list = async () => (await request(platform.url).get('/api/v1/personas/owner/badges')).body;
      assert.deepEqual(await list(), []);
      const confirmUrl = new URL(accepted.body.redirect_uri);
      assert.equal(confirmUrl.origin, platform.url);
      const confirmed = await owner.get(confirmUrl.pathname + confirmUrl.search).expect(303);
      assert.equal(confirmed.headers.location, '/@owner?badge=added');
      assert.equal((await list()).length, 1);
    });

    it('adds no badge anywhere when someone else’s wallet answers the owner’s request link', async () => {
      // The owner hands the wallet link of their request to another resident, who shares.
      const req = await ask();
      const before = await count();
      const listed = async () =>
        (await request(platform.url).get('/api/v1/personas/owner/badges')).body.length;
      const shownBefore = await listed();
      const accepted = await answer(req, wallet[0]!, 200);
      const confirmUrl = new URL(accepted.body.redirect_uri);
      const path = confirmUrl.pathname + confirmUrl.search;
      // That resident's browser follows the answer, signed in to their own account.
      const refused = await other.get(path).expect(303);
      assert.equal(refused.headers.location, '/settings/personas?badge=not-yours');
      const notice = await other.get(refused.headers.location!).expect(200);
      assert.match(
        notice.text,
        /role="alert">Ce lien de partage avait été ouvert pour le profil de quelqu’un/,
      );
      assert.equal((await count()).badges, before.badges, 'the pending badge is gone');
      await owner.get(path).expect(303, /request-used/);
      assert.equal(await listed(), shownBefore, 'nothing was added to the owner’s persona');
      // Without a session, the browser is asked to sign in first and comes back.
      const anonymous = await request(platform.url).get(path).expect(303);
      assert.equal(anonymous.headers.location, `/login?next=${encodeURIComponent(path)}`);
      wallet.shift();
    });

    it('refuses a key binding made for another request’s nonce', async () => {
      const first = await ask();
      const second = await ask();
      const shown = await present(wallet[0]!, {
        claims: ['resident_of'],
        audience: first.client_id,
        nonce: first.nonce,
      });
      const res = await post(second, {
        vp_token: JSON.stringify({ residence: [shown] }),
        state: second.state,
      }).expect(400);
      assert.equal(res.body.detail, 'nonce-invalid');
    });

    it('refuses a credential signed by a key the issuer never published', async () => {
      const req = await ask();
      const [jwt, ...rest] = wallet[0]!.credential.split('~');
      const [header, payload] = jwt!.split('.');
      const { privateKey } = await (await import('jose')).generateKeyPair('ES256');
      const forgedSig = (await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).sign(privateKey)).split(
        '.',
      )[2];
      const forged = { ...wallet[0]!, credential: [`${header}.${payload}.${forgedSig}`, ...rest].join('~') };
      const res = await answer(req, forged, 400);
      assert.equal(res.body.detail, 'bad-signature');
    });

    it('shows the badge in the persona’s public list and lets only its owner remove it', async () => {
      const list = await request(platform.url).get('/api/v1/personas/owner/badges').expect(200);
      assert.equal(list.body.length, 1);
      const [badge] = list.body;
      assert.equal(badge.label, 'Résident·e vérifié·e — 30–39 ans');
      assert.equal(badge.issuerName, 'Ville de Parvis-sur-Loire', 'named from the issuer’s metadata');
      const en = await request(platform.url)
        .get('/api/v1/personas/owner/badges')
        .set('accept-language', 'en')
        .expect(200);
      assert.equal(en.body[0].label, 'Verified resident — aged 30–39');
      await request(platform.url).get('/api/v1/personas/nobody/badges').expect(404);
      await other.delete(`/api/v1/personas/owner/badges/${badge.id}`).expect(404);
      await owner.delete('/api/v1/personas/owner/badges/not-a-uuid').expect(400);
      await owner.delete(`/api/v1/personas/owner/badges/${badge.id}`).expect(204);
      assert.deepEqual(
        (await request(platform.url).get('/api/v1/personas/owner/badges').expect(200)).body,
        [],
      );
      await owner.delete(`/api/v1/personas/owner/badges/${badge.id}`).expect(404);
    });

    it('drops expired badges from the lists and from the database', async () => {
      const req = await ask();
      await answer(req, wallet.shift()!, 200);
      const [row] = await platform.database.db.select().from(badges);
      assert.ok(row);
      const later = new Date(row.expiresAt.getTime() + 1000);
      assert.equal((await listActiveBadges(platform.database.db, row.personaId, { now: later })).length, 0);
      const { removed } = await expireBadges(platform.database.db, later);
      assert.equal(removed, 1);
      assert.equal((await platform.database.db.select().from(badgeRequests)).length, 0);
    });

    it('lets only one of two simultaneous answers to one request through (its nonce is spent once)', async () => {
      const req = await ask();
      const before = await count();
      const [a, b] = [wallet.shift()!, wallet.shift()!];
      const answers = await Promise.all([a, b].map((held) => unchecked(req, held)));
      assert.deepEqual(answers.map((r) => r.status).sort(), [200, 400]);
      assert.equal(answers.find((r) => r.status === 400)?.body.detail, 'request-used');
      assert.equal((await count()).badges, before.badges + 1);
      assert.equal((await count()).used, before.used + 1, 'the refused credential stays unspent');
    });

    it('stores one credential presented at once to two personas on only one of them', async () => {
      const held = wallet.shift()!;
      const mine = await ask();
      const theirs = (
        await other
          .post('/api/v1/personas/other/badges/request')
          .send({ claims: ['resident_of'] })
          .expect(201)
      ).body.request as PresentationRequest;
      const before = await count();
      const answers = await Promise.all([mine, theirs].map((req) => unchecked(req, held, ['resident_of'])));
      assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409]);
      assert.equal(answers.find((r) => r.status === 409)?.body.detail, 'credential-already-used');
      assert.equal((await count()).badges, before.badges + 1);
    });
  });
}
