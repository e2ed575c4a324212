import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import {
  type HeldCredential,
  type PresentationRequest,
  parseOfferUri,
  present,
  receiveBatch,
} from '../identity/holder/holder.ts';
import { createOperator } from '../identity/service/enrolment.ops.ts';
import { findPersonaByHandle } from '../models/personas.ops.ts';
import { badgeRequests, badges } from '../models/schema/index.ts';
import { createDistrict } from '../models/territory.ops.ts';
import { checkBadgeStatuses } from '../server/badges.jobs.ts';
import { databaseKinds } from './support/databases.ts';
import { openIdentityTestDb, startIdentityApp } from './support/identity-service.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';
import { type Agent, csrfFrom, mainOf, signUpThroughForm } from './support/web.ts';

const OPERATOR = { email: 'desk@town.example', password: 'a desk password long enough' };
const PERSON = { familyName: 'Roux', givenNames: 'Maëlle', birthdate: '1990-03-03', district: 'Centre' };

/**
 * A badge's life on the platform: shown in the persona's public JSON and page, asked for and
 * removed through the settings pages, and gone when its credential is revoked or its persona
 * deleted. The identity service and the platform run in this process on real HTTP.
 */
for (const kind of databaseKinds()) {
  describe(`badge lifecycle on the platform (${kind})`, function () {
    this.timeout(120_000);
    let identityDb: Awaited<ReturnType<typeof openIdentityTestDb>>;
    let identity: Awaited<ReturnType<typeof startIdentityApp>>;
    let platform: TestInstance;
    let wallet: HeldCredential[];
    let resident: Agent;
    let stranger: Agent;

    /** The OpenID4VP request as the wallet reads it from its address. */
    function requestFromWalletUrl(location: string): PresentationRequest {
      const url = new URL(location);
      assert.equal(url.origin + url.pathname, `${identity.url}/wallet`);
      const p = url.searchParams;
      return {
        response_uri: p.get('response_uri')!,
        client_id: p.get('client_id')!,
        nonce: p.get('nonce')!,
        state: p.get('state')!,
        dcql_query: JSON.parse(p.get('dcql_query')!),
      } as PresentationRequest;
    }

    /** Posts the request form of the settings page with these claims; answers the wallet URL. */
    async function askThroughSettings(agent: Agent, handle: string, claims: string[]) {
      const page = await agent.get('/settings/personas').expect(200);
      const fields = [
        `_csrf=${encodeURIComponent(csrfFrom(page.text))}`,
        ...claims.map((c) => `claims=${c}`),
      ];
      const res = await agent
        .post(`/settings/personas/${handle}/badges/request`)
        .type('form')
        .send(fields.join('&'))
        .expect(303);
      return res.headers.location!;
    }

    /** The wallet's form post back to the platform, as a browser makes it. */
    async function answerAsBrowser(req: PresentationRequest, claims: string[]) {
      const shown = await present(wallet.shift()!, { claims, audience: req.client_id, nonce: req.nonce });
      return request(platform.url)
        .post(new URL(req.response_uri).pathname)
        .set('accept', 'text/html,application/xhtml+xml')
        .type('form')
        .send({ vp_token: JSON.stringify({ residence: [shown] }), state: req.state });
    }

    async function badgeFor(agent: Agent, handle: string, claims: string[]) {
      const req = requestFromWalletUrl(await askThroughSettings(agent, handle, claims));
      const res = await answerAsBrowser(req, claims);
      assert.equal(res.status, 303, res.text);
      // The browser follows to the confirmation address, where the owner's session adds the badge.
      const confirmUrl = new URL(res.headers.location!);
      assert.equal(confirmUrl.origin + confirmUrl.pathname, `${platform.url}/settings/badges/confirm`);
      const confirmed = await agent.get(confirmUrl.pathname + confirmUrl.search).expect(303);
      assert.equal(confirmed.headers.location, `/@${handle}?badge=added`);
    }

    const publicJson = async (handle: string, lang = 'fr') =>
      (await request(platform.url).get(`/api/v1/personas/${handle}`).set('accept-language', lang).expect(200))
        .body;

    before(async () => {
      identityDb = await openIdentityTestDb(kind);
      identity = await startIdentityApp(identityDb.handle);
      platform = await startTestInstance(kind, { env: { IDENTITY_ISSUERS: identity.url } });
      assert.ok((await createDistrict(platform.database.db, { slug: 'centre', name: 'Centre' })).ok);
      assert.ok((await createOperator(identity.ctx.db, OPERATOR.email, OPERATOR.password)).ok);
      const desk = request.agent(identity.url);
      await desk.post('/operator/login').send(OPERATOR).expect(204);
      const enrolled = await desk.post('/desk/enrolments').send(PERSON).expect(201);
      wallet = (await receiveBatch(parseOfferUri(enrolled.body.credential_offer_uri), 5)).credentials;
      resident = request.agent(platform.url);
      await signUpThroughForm(resident, {
        email: 'maelle@example.org',
        password: 'a long enough password',
        handle: 'maelle',
        displayName: 'Maëlle',
      });
      stranger = request.agent(platform.url);
      await signUpThroughForm(stranger, {
        email: 'stranger@example.org',
        password: 'a long enough password',
        handle: 'stranger',
        displayName: 'Stranger',
      });
    });

    after(async () => {
      await platform?.close();
      await identity?.close();
      await identityDb?.drop();
    });

    it('offers a badge per persona in the settings, and the request form sends the resident to the wallet', async () => {
      const page = await resident.get('/settings/personas').expect(200);
      const main = mainOf(page.text);
      assert.match(main, /Badges vérifiés/);
      assert.match(main, /Aucun badge vérifié/);
      assert.match(main, /action="\/settings\/personas\/maelle\/badges\/request"/);
      assert.match(
        page.headers['content-security-policy']!,
        new RegExp(`form-action 'self' ${identity.url}`),
        'the form may end at the wallet',
      );
      const req = requestFromWalletUrl(
        await askThroughSettings(resident, 'maelle', ['resident_of', 'age_range']),
      );
      assert.equal(req.client_id, platform.url);
      assert.deepEqual((req.dcql_query as { credentials: { claims: unknown[] }[] }).credentials[0]!.claims, [
        { path: ['resident_of'] },
        { path: ['age_range'] },
      ]);
    });

    it('refuses a badge request without CSRF token, for another account’s persona, or with no claim, storing nothing', async () => {
      await resident
        .post('/settings/personas/maelle/badges/request')
        .type('form')
        .send('claims=resident_of')
        .expect(403);
      const page = await stranger.get('/settings/personas').expect(200);
      await stranger
        .post('/settings/personas/maelle/badges/request')
        .type('form')
        .send(`_csrf=${encodeURIComponent(csrfFrom(page.text))}&claims=resident_of`)
        .expect(404);
      const csrf = csrfFrom((await resident.get('/settings/personas').expect(200)).text);
      for (const claims of ['', '&claims=family_name', '&claims=resident_of&claims=birthdate']) {
        const res = await resident
          .post('/settings/personas/maelle/badges/request')
          .type('form')
          .send(`_csrf=${encodeURIComponent(csrf)}${claims}`)
          .expect(400);
        assert.match(mainOf(res.text), /role="alert">Cochez au moins une information/);
      }
      assert.equal(
        (await platform.database.db.select().from(badgeRequests)).length,
        1,
        'only the first test’s',
      );
      assert.equal((await platform.database.db.select().from(badges)).length, 0);
    });

    it('sends a browser back to the settings with a clear error when the resident declines', async () => {
      const req = requestFromWalletUrl(await askThroughSettings(resident, 'maelle', ['resident_of']));
      const res = await request(platform.url)
        .post(new URL(req.response_uri).pathname)
        .set('accept', 'text/html')
        .type('form')
        .send({ error: 'access_denied', state: req.state })
        .expect(303);
      assert.equal(res.headers.location, `${platform.url}/settings/personas?badge=declined`);
      const page = await resident.get('/settings/personas?badge=declined').expect(200);
      assert.match(mainOf(page.text), /role="alert">Vous avez refusé le partage/);
    });

    it('shows the badge in the public JSON and on /@handle, naming the issuer; the declared district becomes verified', async () => {
      const before = await publicJson('maelle');
      assert.deepEqual(before.badges, []);
      await badgeFor(resident, 'maelle', ['resident_of', 'district', 'age_range']);
      // The district is declared after the badge: still verified, by name.
      const edit = await resident.get('/settings/personas/maelle/edit').expect(200);
      await resident
        .post('/settings/personas/maelle/edit')
        .type('form')
        .send({ _csrf: csrfFrom(edit.text), displayName: 'Maëlle', bio: '', district: 'centre' })
        .expect(303);
      const view = await publicJson('maelle');
      assert.equal(view.badges.length, 1);
      const [badge] = view.badges;
      assert.equal(badge.label, 'Résident·e vérifié·e — quartier Centre — 30–39 ans');
      assert.equal(badge.issuerName, 'Ville de Parvis-sur-Loire');
      assert.match(badge.expiresMonth, /^\d{4}-\d{2}$/);
      assert.deepEqual(view.district, { slug: 'centre', name: 'Centre', verified: true });
      const text = JSON.stringify(view);
      for (const absent of ['thumbprint', 'Thumbprint', 'status', 'verifiedOn', 'expiresAt', 'T00:00'])
        assert.equal(text.includes(absent), false, `the public JSON carries no "${absent}"`);
      assert.equal(
        (await publicJson('maelle', 'en')).badges[0].label,
        'Verified resident — Centre district — aged 30–39',
      );

      const page = await request(platform.url).get('/@maelle').expect(200);
      const main = mainOf(page.text);
      assert.match(main, /<h2 id="badges-title">Badges vérifiés<\/h2>/);
      assert.match(
        main,
        /<li class="badge-verified">Résident·e vérifié·e — quartier Centre — 30–39 ans · vérifié par Ville de Parvis-sur-Loire<\/li>/,
      );
      assert.match(main, /Centre <span class="badge-verified">vérifié<\/span>/);
      assert.doesNotMatch(main, /non vérifié/);
      const en = await request(platform.url).get('/@maelle?lang=en').expect(200);
      assert.match(mainOf(en.text), /Verified resident — Centre district — aged 30–39 · verified by/);
      const owner = await resident.get('/@maelle?badge=added').expect(200);
      assert.match(mainOf(owner.text), /role="status">Badge vérifié ajouté/);
      const anyone = await request(platform.url).get('/@maelle?badge=added').expect(200);
      assert.doesNotMatch(mainOf(anyone.text), /Badge vérifié ajouté/, 'the notice is for the owner only');
    });

    it('keeps a declared district unverified when no badge discloses it', async () => {
      const page = await stranger.get('/settings/personas/stranger/edit').expect(200);
      await stranger
        .post('/settings/personas/stranger/edit')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), displayName: 'Stranger', bio: '', district: 'centre' })
        .expect(303);
      const view = await publicJson('stranger');
      assert.deepEqual(view.district, { slug: 'centre', name: 'Centre', verified: false });
      assert.deepEqual(view.badges, []);
    });

    it('removes a badge only after confirmation, only for its owner', async () => {
      const [row] = await platform.database.db.select().from(badges);
      assert.ok(row);
      const settings = await resident.get('/settings/personas').expect(200);
      assert.match(mainOf(settings.text), new RegExp(`/settings/personas/maelle/badges/${row.id}/remove`));
      const csrf = csrfFrom(settings.text);
      const path = `/settings/personas/maelle/badges/${row.id}/remove`;
      const asked = await resident.post(path).type('form').send({ _csrf: csrf }).expect(200);
      assert.match(mainOf(asked.text), /Retirer ce badge de @maelle/);
      await resident.post(path).type('form').send({ confirm: 'yes' }).expect(403);
      const strangerPage = await stranger.get('/settings/personas').expect(200);
      await stranger
        .post(path)
        .type('form')
        .send({ _csrf: csrfFrom(strangerPage.text), confirm: 'yes' })
        .expect(404);
      assert.equal((await publicJson('maelle')).badges.length, 1, 'nothing removed so far');
      const done = await resident.post(path).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
      assert.equal(done.headers.location, '/settings/personas?badge=removed');
      assert.deepEqual((await publicJson('maelle')).badges, []);
      assert.equal((await publicJson('maelle')).district.verified, false);
    });

    it('removes a deleted persona’s badges and pending requests', async () => {
      const page = await resident.get('/settings/personas').expect(200);
      await resident
        .post('/settings/personas')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), handle: 'maelle_bis', displayName: 'M.', bio: '', district: '' })
        .expect(303);
      await badgeFor(resident, 'maelle_bis', ['resident_of']);
      await askThroughSettings(resident, 'maelle_bis', ['age_range']);
      const persona = await findPersonaByHandle(platform.database.db, 'maelle_bis');
      assert.ok(persona);
      const pending = () =>
        platform.database.db.select().from(badgeRequests).where(eq(badgeRequests.personaId, persona.id));
      assert.equal((await pending()).filter((r) => r.usedAt === null).length, 1, 'one request still open');
      const confirm = await resident.get('/settings/personas/maelle_bis/delete').expect(200);
      await resident
        .post('/settings/personas/maelle_bis/delete')
        .type('form')
        .send({ _csrf: csrfFrom(confirm.text), confirm: 'yes' })
        .expect(303);
      assert.deepEqual(
        await platform.database.db.select().from(badges).where(eq(badges.personaId, persona.id)),
        [],
      );
      assert.deepEqual(await pending(), []);
    });

    it('removes a revoked badge at the next status check, from the API and the actor', async () => {
      await badgeFor(resident, 'maelle', ['resident_of', 'age_range']);
      const [row] = await platform.database.db.select().from(badges);
      assert.ok(row);
      assert.ok(row.statusUri?.startsWith(`${identity.url}/status-lists/`));
      assert.equal(typeof row.statusIdx, 'number');
      const actor = async () =>
        JSON.stringify(
          (
            await request(platform.url)
              .get('/users/maelle')
              .set('accept', 'application/activity+json')
              .expect(200)
          ).body,
        );
      assert.match(await actor(), /Résident·e vérifié·e/);
      assert.deepEqual(await checkBadgeStatuses(platform.ctx), { removed: 0, failed: 0 }, 'still valid');
      assert.equal((await publicJson('maelle')).badges.length, 1);

      const desk = request.agent(identity.url);
      await desk.post('/operator/login').send(OPERATOR).expect(204);
      await desk
        .post('/operator/revocations')
        .send({ ...PERSON, reason: 'moved-out' })
        .expect(204);
      assert.deepEqual(await checkBadgeStatuses(platform.ctx), { removed: 1, failed: 0 });
      assert.deepEqual((await publicJson('maelle')).badges, []);
      assert.doesNotMatch(await actor(), /vérifié/);
      // A revoked credential brought back by the wallet: the browser lands on a clear error.
      const req = requestFromWalletUrl(await askThroughSettings(resident, 'maelle', ['resident_of']));
      const res = await answerAsBrowser(req, ['resident_of']);
      assert.equal(res.headers.location, `${platform.url}/settings/personas?badge=revoked`);
      const page = await resident.get('/settings/personas?badge=revoked').expect(200);
      assert.match(mainOf(page.text), /role="alert">Votre attestation a été révoquée/);
    });
  });
}
