import assert from 'node:assert/strict';
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import request from 'supertest';
import {
  generateHolderKey,
  type HeldCredential,
  parseOfferUri,
  present,
  receiveBatch,
} from '../identity/holder/holder.ts';
import { persons } from '../identity/schema.ts';
import type { ServiceContext } from '../identity/service/context.ts';
import { createOperator, LETTER_MAX_ATTEMPTS } from '../identity/service/enrolment.ops.ts';
import { createVerifier } from '../identity/verifier/verifier.ts';
import { databaseKinds } from './support/databases.ts';
import { browseEidLogin, type EidAccount, startEidProvider } from './support/eid-provider.ts';
import { openIdentityTestDb, startIdentityApp } from './support/identity-service.ts';

const PLATFORM = 'http://127.0.0.1:9';
const OPERATOR = { email: 'guichet@parvis.example', password: 'correct horse battery staple' };

for (const kind of databaseKinds()) {
  describe(`identity service over HTTP (${kind})`, () => {
    let opened: Awaited<ReturnType<typeof openIdentityTestDb>>;
    let service: Awaited<ReturnType<typeof startIdentityApp>>;
    let eid: Awaited<ReturnType<typeof startEidProvider>>;
    let ctx: ServiceContext;
    let operator: ReturnType<typeof request.agent>;
    const accounts = new Map<string, EidAccount>([
      ['fc-1', { given_name: 'Léa', family_name: 'Dupont', birthdate: '1992-06-01' }],
      ['fc-2', { given_name: 'Marc', family_name: 'Petit', birthdate: '1975-09-30' }],
    ]);

    const verifier = () =>
      createVerifier({
        issuers: [{ url: service.url, name: 'Ville de Parvis-sur-Loire' }],
        audience: PLATFORM,
      });

    async function deskEnrol(person: Record<string, string>) {
      const res = await operator.post('/desk/enrolments').send(person).expect(201);
      return parseOfferUri(res.body.credential_offer_uri);
    }

    before(async () => {
      opened = await openIdentityTestDb(kind);
      eid = await startEidProvider(accounts);
      service = await startIdentityApp(opened.handle, {
        IDENTITY_EID_ISSUER: eid.issuer,
        IDENTITY_EID_CLIENT_ID: 'parvis-identity',
        IDENTITY_EID_CLIENT_SECRET: 'a-secret-for-tests-only-0123456789',
        IDENTITY_EID_ALLOW_INSECURE: 'true',
      });
      eid.attach(`${service.url}/enrol/eid/callback`);
      ctx = service.ctx;
      assert.ok((await createOperator(ctx.db, OPERATOR.email, OPERATOR.password)).ok);
      operator = request.agent(service.url);
      await operator.post('/operator/login').send(OPERATOR).expect(204);
    });

    after(async () => {
      await service.close();
      await eid.close();
      await opened.drop();
    });

    it('keeps the desk closed to anyone who is not a signed-in operator', async () => {
      const res = await request(service.url)
        .post('/desk/enrolments')
        .send({ familyName: 'X', givenNames: 'Y', birthdate: '1990-01-01', district: 'Centre' })
        .expect(401);
      assert.equal(res.type, 'application/problem+json');
      await request(service.url)
        .post('/operator/login')
        .send({ ...OPERATOR, password: 'wrong password!' })
        .expect(401);
    });

    it('refuses operator forms sent from another origin, even a sibling host of the same site, changing nothing', async () => {
      const person = { familyName: 'Roux', givenNames: 'Nina', birthdate: '1980-02-02' };
      await deskEnrol({ ...person, district: 'Centre' });
      const before = await ctx.db.select().from(persons);
      const forged = [
        { origin: 'https://parvis.example' },
        { origin: 'null' },
        { 'sec-fetch-site': 'same-site' },
        { 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of forged) {
        const revoke = await operator
          .post('/operator/revocations')
          .set(headers)
          .type('form')
          .send({ ...person, reason: 'erased' })
          .expect(403);
        assert.equal(revoke.type, 'application/problem+json');
        await operator
          .post('/desk/enrolments')
          .set(headers)
          .type('form')
          .send({ familyName: 'Intrus', givenNames: 'Ivan', birthdate: '1970-01-01', district: 'Gare' })
          .expect(403);
        await operator.post('/operator/keys/rotate').set(headers).expect(403);
        await request(service.url).post('/operator/login').set(headers).send(OPERATOR).expect(403);
      }
      assert.deepEqual(await ctx.db.select().from(persons), before);
      // The service's own pages still work.
      await operator
        .post('/operator/revocations')
        .set({ origin: new URL(service.url).origin, 'sec-fetch-site': 'same-origin' })
        .send({ ...person, reason: 'erased' })
        .expect(204);
    });

    it('signs an operator out for good: the old session cookie opens nothing afterwards', async () => {
      const desk = request.agent(service.url);
      const signedIn = await desk.post('/operator/login').send(OPERATOR).expect(204);
      const cookie = String(signedIn.headers['set-cookie']).split(';')[0]!;
      const page = await desk.get('/desk').set('accept', 'text/html').expect(200);
      assert.match(page.text, /action="\/operator\/logout"/);
      await desk.post('/operator/logout').expect(204);
      await desk.get('/desk').expect(401);
      // The cookie copied before signing out (left in another tab, or taken) is dead too.
      await request(service.url).get('/desk').set('cookie', cookie).expect(401);
    });

    it('answers bad desk input with problem+json and records nothing', async () => {
      const bad = await operator
        .post('/desk/enrolments')
        .send({ familyName: '', birthdate: 'yesterday' })
        .expect(400);
      assert.equal(bad.type, 'application/problem+json');
      assert.match(bad.body.detail, /birthdate/);
      await operator
        .post('/desk/enrolments')
        .send({ familyName: 'A', givenNames: 'B', birthdate: '1990-01-01', district: 'Atlantis' })
        .expect(422);
      await operator
        .post('/desk/enrolments')
        .set('content-type', 'application/json')
        .send('{"oops')
        .expect(400);
    });

    it('enrols at the desk, issues a batch over OpenID4VCI, and the credentials verify against the published keys', async () => {
      const offer = await deskEnrol({
        familyName: 'Bernard',
        givenNames: 'Zoé',
        birthdate: '1991-05-05',
        district: 'Centre',
      });
      assert.equal(offer.credential_issuer, service.url);
      const { credentials, accessToken } = await receiveBatch(offer, 3);
      assert.equal(credentials.length, 3);
      const me = await request(service.url)
        .get('/me')
        .set('authorization', `Bearer ${accessToken}`)
        .expect(200);
      assert.equal(me.body.resident_of, 'Parvis-sur-Loire');
      assert.equal(me.body.district, 'Centre');
      assert.equal(me.body.age_range, '30-39');
      assert.equal(me.body.family_name, undefined);
      const nonces = new Set(['n-1']);
      const shown = await present(credentials[0]!, {
        claims: ['resident_of', 'age_range'],
        audience: PLATFORM,
        nonce: 'n-1',
      });
      const result = await verifier().verify(shown, async (n) => nonces.delete(n));
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(result.badge.disclosed, { resident_of: 'Parvis-sur-Loire', age_range: '30-39' });
    });

    it('spends a pre-authorised code once', async () => {
      const offer = await deskEnrol({
        familyName: 'Roux',
        givenNames: 'Ana',
        birthdate: '1960-01-01',
        district: 'Gare',
      });
      const code =
        offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'];
      const form = {
        grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
        'pre-authorized_code': code,
      };
      await request(service.url).post('/token').type('form').send(form).expect(200);
      const again = await request(service.url).post('/token').type('form').send(form).expect(400);
      assert.equal(again.body.error, 'invalid_grant');
    });

    it('refuses key proofs with a wrong audience or without a fresh nonce', async () => {
      const offer = await deskEnrol({
        familyName: 'Morel',
        givenNames: 'Ines',
        birthdate: '1985-01-01',
        district: 'Gare',
      });
      const code =
        offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'];
      const token = await request(service.url).post('/token').type('form').send({
        grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
        'pre-authorized_code': code,
      });
      const key = await generateHolderKey();
      const { body: nonce } = await request(service.url).post('/nonce').expect(200);
      const proof = (aud: string, n?: string) =>
        new SignJWT(n ? { nonce: n } : {})
          .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk: key.publicJwk })
          .setAudience(aud)
          .setIssuedAt()
          .sign(key.privateKey);
      for (const jwt of [
        await proof('https://elsewhere.example', nonce.c_nonce),
        await proof(service.url),
        await proof(service.url, 'forged.nonce.x'),
      ]) {
        const res = await request(service.url)
          .post('/credential')
          .set('authorization', `Bearer ${token.body.access_token}`)
          .send({ credential_configuration_id: 'residence', proofs: { jwt: [jwt] } })
          .expect(400);
        assert.equal(res.body.error, 'invalid_proof');
      }
      await request(service.url)
        .post('/credential')
        .send({
          credential_configuration_id: 'residence',
          proofs: { jwt: [await proof(service.url, nonce.c_nonce)] },
        })
        .expect(401);
    });

    it('enrols by postal letter: printable page for the mail room, code typed back, attempts limited', async () => {
      await request(service.url)
        .post('/letter/requests')
        .send({
          familyName: 'Leroy',
          givenNames: 'Paul',
          birthdate: '1999-03-03',
          district: 'Les Prés',
          address: '8 chemin du Port',
        })
        .expect(202);
      const pending = await operator.get('/mailroom').set('accept', 'application/json').expect(200);
      const letter = pending.body.letters.at(-1);
      const page = await operator
        .post(`/mailroom/letters/${letter.id}/print`)
        .set('accept', 'text/html')
        .expect(200);
      assert.match(page.text, /8 chemin du Port/);
      const code = /font-size:2em">([A-Z0-9]{5})-([A-Z0-9]{5})</.exec(page.text);
      assert.ok(code, 'the printed page shows the code');
      await operator.post(`/mailroom/letters/${letter.id}/print`).set('accept', 'text/html').expect(404);
      const wrong = await request(service.url)
        .post('/letter/confirm')
        .send({ reference: letter.id, code: 'AAAAA-AAAAA' })
        .expect(400);
      assert.equal(wrong.type, 'application/problem+json');
      assert.equal(wrong.body.reason, 'wrong-code');
      const ok = await request(service.url)
        .post('/letter/confirm')
        .send({ reference: letter.id, code: `${code[1]} ${code[2]}` })
        .expect(201);
      const { credentials } = await receiveBatch(parseOfferUri(ok.body.credential_offer_uri), 1);
      assert.equal(credentials[0]!.claims.district, 'Les Prés');
      assert.equal(credentials[0]!.claims.age_range, undefined, 'a letter proves residence, not age');
    });

    it('locks a letter after the attempt limit (HTTP 429) and then refuses the right code too', async () => {
      await request(service.url)
        .post('/letter/requests')
        .send({
          familyName: 'Blanc',
          givenNames: 'Eva',
          birthdate: '1970-03-03',
          district: 'Centre',
          address: '1 rue Haute',
        })
        .expect(202);
      const pending = await operator.get('/mailroom').set('accept', 'application/json').expect(200);
      const letter = pending.body.letters.at(-1);
      const printed = await operator
        .post(`/mailroom/letters/${letter.id}/print`)
        .set('accept', 'application/json')
        .expect(200);
      for (let i = 1; i < LETTER_MAX_ATTEMPTS; i++) {
        await request(service.url)
          .post('/letter/confirm')
          .send({ reference: letter.id, code: 'BBBBBBBBBB' })
          .expect(400);
      }
      await request(service.url)
        .post('/letter/confirm')
        .send({ reference: letter.id, code: 'BBBBBBBBBB' })
        .expect(429);
      const locked = await request(service.url)
        .post('/letter/confirm')
        .send({ reference: letter.id, code: printed.body.code })
        .expect(429);
      assert.equal(locked.body.reason, 'too-many-attempts');
      await request(service.url)
        .post('/letter/confirm')
        .send({ reference: 'not-a-uuid', code: 'X' })
        .expect(400);
    });

    it('enrols with the national eID through a real OpenID provider (birthdate → age bracket)', async () => {
      const browser = request.agent(service.url);
      const start = await browser.get('/enrol/eid/start').expect(303);
      const landing = await browseEidLogin(
        start.headers.location!,
        'fc-1',
        `${service.url}/enrol/eid/callback`,
      );
      const callback = await browser.get(landing.pathname + landing.search).expect(303);
      const walletUrl = new URL(callback.headers.location!);
      assert.equal(walletUrl.pathname, '/wallet');
      const offerUri = new URLSearchParams(walletUrl.hash.slice(1)).get('offer')!;
      const { credentials } = await receiveBatch(parseOfferUri(offerUri), 1);
      assert.equal(credentials[0]!.claims.age_range, '30-39');
      assert.equal(credentials[0]!.claims.resident_of, undefined, 'the eID gives no address');
      // The same person then confirmed at the desk is the same record, now with residence.
      const offer = await deskEnrol({
        familyName: 'DUPONT',
        givenNames: 'Lea',
        birthdate: '1992-06-01',
        district: 'Gare',
      });
      const { accessToken } = await receiveBatch(offer, 1);
      const me = await request(service.url)
        .get('/me')
        .set('authorization', `Bearer ${accessToken}`)
        .expect(200);
      assert.deepEqual(me.body.methods, ['eid', 'desk']);
      assert.equal(me.body.district, 'Gare');
    });

    it('refuses a replayed eID callback', async () => {
      const browser = request.agent(service.url);
      const start = await browser.get('/enrol/eid/start').expect(303);
      const landing = await browseEidLogin(
        start.headers.location!,
        'fc-2',
        `${service.url}/enrol/eid/callback`,
      );
      // The same browser's state cookie, replayed after the sign-in spent its state.
      const cookie = String(start.headers['set-cookie']).split(';')[0]!;
      await browser.get(landing.pathname + landing.search).expect(303);
      const replay = await request(service.url)
        .get(landing.pathname + landing.search)
        .set('cookie', cookie)
        .expect(400);
      assert.equal(replay.type, 'application/problem+json');
    });

    it('refuses an eID callback opened in another browser than the one that started the sign-in', async () => {
      const victim = request.agent(service.url);
      const attacker = request.agent(service.url);
      const start = await attacker.get('/enrol/eid/start').expect(303);
      const landing = await browseEidLogin(
        start.headers.location!,
        'fc-2',
        `${service.url}/enrol/eid/callback`,
      );
      // The attacker sends the callback URL of their own sign-in to someone else.
      const before = await ctx.db.select().from(persons);
      const refused = await victim.get(landing.pathname + landing.search).expect(400);
      assert.equal(refused.type, 'application/problem+json');
      assert.equal(refused.headers.location, undefined, 'no credential offer is handed out');
      assert.equal((await ctx.db.select().from(persons)).length, before.length);
      await victim.get('/enrol/eid/start').expect(303);
      await victim.get(landing.pathname + landing.search).expect(400);
      // The browser that started it still finishes.
      await attacker.get(landing.pathname + landing.search).expect(303);
    });

    it('publishes a signed status list, and DELETE /me revokes every credential of the person', async () => {
      const offer = await deskEnrol({
        familyName: 'Garnier',
        givenNames: 'Noé',
        birthdate: '2001-01-01',
        district: 'Centre',
      });
      const { credentials, accessToken } = await receiveBatch(offer, 2);
      const idx = (c: HeldCredential) =>
        (decodeJwt(c.credential.split('~')[0]!) as { status: { status_list: { idx: number } } }).status
          .status_list.idx;
      const list = async () => {
        const res = await request(service.url).get('/status-lists/1').expect(200);
        assert.equal(res.type, 'application/statuslist+jwt');
        assert.equal(decodeProtectedHeader(res.text).typ, 'statuslist+jwt');
        return getListFromStatusListJWT(res.text);
      };
      assert.equal((await list()).getStatus(idx(credentials[0]!)), 0);
      await request(service.url).delete('/me').set('authorization', `Bearer ${accessToken}`).expect(204);
      const after = await list();
      assert.equal(after.getStatus(idx(credentials[0]!)), 1);
      assert.equal(after.getStatus(idx(credentials[1]!)), 1);
      await request(service.url).get('/me').set('authorization', `Bearer ${accessToken}`).expect(401);
      const nonces = new Set(['n-2']);
      const shown = await present(credentials[1]!, {
        claims: ['resident_of'],
        audience: PLATFORM,
        nonce: 'n-2',
      });
      assert.deepEqual(await verifier().verify(shown, async (n) => nonces.delete(n)), {
        ok: false,
        reason: 'revoked',
      });
    });

    it('lets an operator revoke a person who moved out', async () => {
      const person = { familyName: 'Faure', givenNames: 'Jules', birthdate: '1955-07-07' };
      const offer = await deskEnrol({ ...person, district: 'Centre' });
      const { credentials } = await receiveBatch(offer, 1);
      await operator
        .post('/operator/revocations')
        .send({ ...person, reason: 'moved-out' })
        .expect(204);
      await operator
        .post('/operator/revocations')
        .send({ ...person, familyName: 'Nobody', reason: 'moved-out' })
        .expect(404);
      const shown = await present(credentials[0]!, {
        claims: ['resident_of'],
        audience: PLATFORM,
        nonce: 'n-3',
      });
      assert.deepEqual(await verifier().verify(shown, async () => true), { ok: false, reason: 'revoked' });
    });

    it('rotates the signing key: new credentials carry the new kid, old ones still verify', async () => {
      const offer1 = await deskEnrol({
        familyName: 'Lambert',
        givenNames: 'Mia',
        birthdate: '1988-08-08',
        district: 'Centre',
      });
      const { credentials: before } = await receiveBatch(offer1, 1);
      const rotated = await operator.post('/operator/keys/rotate').expect(201);
      const metadata = await request(service.url).get('/.well-known/jwt-vc-issuer').expect(200);
      assert.equal(metadata.body.issuer, service.url);
      assert.equal(metadata.body.jwks.keys.length >= 2, true);
      const offer2 = await deskEnrol({
        familyName: 'Lambert',
        givenNames: 'Mia',
        birthdate: '1988-08-08',
        district: 'Centre',
      });
      const { credentials: after } = await receiveBatch(offer2, 1);
      assert.equal(decodeProtectedHeader(after[0]!.credential).kid, rotated.body.kid);
      const v = verifier();
      for (const held of [before[0]!, after[0]!]) {
        const shown = await present(held, { claims: ['resident_of'], audience: PLATFORM, nonce: 'n' });
        assert.equal((await v.verify(shown, async () => true)).ok, true);
      }
    });

    it('limits letter requests from one address (kept last: it uses up the allowance)', async () => {
      const letter = {
        familyName: 'Spam',
        givenNames: 'Bot',
        birthdate: '1990-01-01',
        district: 'Centre',
        address: '1 rue X',
      };
      let status = 202;
      for (let i = 0; i < 6 && status === 202; i++) {
        status = (await request(service.url).post('/letter/requests').send(letter)).status;
      }
      assert.equal(status, 429);
    });

    it('serves the wallet page in French by default and in English on request, with its own script only', async () => {
      const fr = await request(service.url).get('/wallet').expect(200);
      assert.match(fr.text, /<html lang="fr">/);
      assert.match(fr.headers['content-security-policy']!, /script-src 'self'/);
      // This service lists no verifier: its wallet may send a form to itself only.
      assert.match(fr.headers['content-security-policy']!, /form-action 'self';/);
      const en = await request(service.url).get('/wallet?lang=en').expect(200);
      assert.match(en.text, /<html lang="en">/);
      assert.match(en.text, /My wallet/);
      await request(service.url)
        .get('/wallet/wallet.js')
        .expect(200)
        .expect('content-type', /javascript/);
      const letter = await request(service.url).get('/letter').expect(200);
      assert.match(letter.text, /<label for="familyName">/);
    });
  });
}
