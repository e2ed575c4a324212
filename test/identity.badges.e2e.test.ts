import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import request from 'supertest';
import {
  type HeldCredential,
  type PresentationRequest,
  parseOfferUri,
  present,
  receiveBatch,
  respond,
} from '../identity/holder/holder.ts';
import { openDatabase } from '../models/db.ts';
import { selectRows } from '../models/db-driver.ts';
import { createPostgresDatabase, databaseKinds } from './support/databases.ts';
import { browseEidLogin, type EidAccount, startEidProvider } from './support/eid-provider.ts';
import { exited, randomSecret, type Spawned, spawnScript, waitFor } from './support/identity-processes.ts';
import { createIdentityPostgresDatabase } from './support/identity-service.ts';
import { freePort } from './support/instance.ts';

/**
 * The identity service and the platform as two real processes talking HTTP: enrol by each
 * method, receive a batch, present to the platform, get a badge; then the threats that need
 * both sides, and a scan of the platform's whole database for anything it must not hold.
 */
for (const kind of databaseKinds()) {
  describe(`identity badges end to end (two real processes, ${kind})`, function () {
    this.timeout(240_000);
    const dirs: string[] = [];
    const tmp = () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'parvis-e2e-'));
      dirs.push(dir);
      return dir;
    };
    let identity: Spawned;
    let platform: Spawned;
    let eid: Awaited<ReturnType<typeof startEidProvider>>;
    let identityUrl: string;
    let platformUrl: string;
    let platformDataDir: string;
    let platformDbUrl: string | undefined;
    let identityPg: Awaited<ReturnType<typeof createIdentityPostgresDatabase>> | undefined;
    const operatorLogin = { email: 'guichet@ville.example', password: 'une phrase de passe solide' };
    const accounts = new Map<string, EidAccount>([
      ['fc-e2e', { given_name: 'Hélène', family_name: 'Vasseur', birthdate: '1986-02-14' }],
    ]);
    // Everything the platform must never hold.
    const secrets = [
      'Bernard',
      'Zoé',
      '1991-05-05',
      'Vasseur',
      'Hélène',
      '1986-02-14',
      '12 rue des Tanneurs',
      'Tanneurs',
    ];
    const presented: string[] = [];

    async function signUp(handle: string) {
      const agent = request.agent(platformUrl);
      await agent
        .post('/api/v1/accounts')
        .send({
          email: `${handle}@example.org`,
          password: 'a long enough password',
          handle,
          displayName: handle,
        })
        .expect(201);
      return agent;
    }

    async function askBadge(agent: ReturnType<typeof request.agent>, handle: string, claims: string[]) {
      const res = await agent.post(`/api/v1/personas/${handle}/badges/request`).send({ claims }).expect(201);
      assert.ok(res.body.walletUrl.startsWith(`${identityUrl}/wallet?`));
      return res.body.request as PresentationRequest;
    }

    async function presentTo(held: HeldCredential, req: PresentationRequest, claims: string[]) {
      const shown = await present(held, { claims, audience: req.client_id, nonce: req.nonce });
      presented.push(shown);
      return fetch(req.response_uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ vp_token: JSON.stringify({ residence: [shown] }), state: req.state }),
      });
    }

    /** The owner's browser opens the answer's `redirect_uri`: only then does the badge show. */
    async function confirm(agent: ReturnType<typeof request.agent>, res: Response, handle: string) {
      const { redirect_uri } = (await res.json()) as { redirect_uri: string };
      const url = new URL(redirect_uri);
      assert.equal(url.origin, platformUrl);
      assert.equal((await badgesOf(handle)).length, 0, 'not shown before the owner confirms');
      const confirmed = await agent.get(url.pathname + url.search).expect(303);
      assert.equal(confirmed.headers.location, `/@${handle}?badge=added`);
    }

    const badgesOf = async (handle: string) =>
      (await request(platformUrl).get(`/api/v1/personas/${handle}/badges`).expect(200)).body;

    before(async () => {
      const [identityPort, platformPort] = [await freePort(), await freePort()];
      identityUrl = `http://127.0.0.1:${identityPort}`;
      platformUrl = `http://127.0.0.1:${platformPort}`;
      eid = await startEidProvider(accounts);
      eid.attach(`${identityUrl}/enrol/eid/callback`);
      const identityEnv = {
        IDENTITY_PORT: String(identityPort),
        IDENTITY_PUBLIC_URL: identityUrl,
        IDENTITY_DATA_DIR: tmp(),
        IDENTITY_TOWN: 'Parvis-sur-Loire',
        IDENTITY_DISTRICTS: 'Centre,Gare',
        IDENTITY_K: '1',
        IDENTITY_VERIFIER_ORIGINS: platformUrl,
        IDENTITY_EID_ISSUER: eid.issuer,
        IDENTITY_EID_CLIENT_ID: 'parvis-identity',
        IDENTITY_EID_CLIENT_SECRET: 'a-secret-for-tests-only-0123456789',
        IDENTITY_EID_ALLOW_INSECURE: 'true',
      };
      if (kind === 'postgres') {
        identityPg = await createIdentityPostgresDatabase();
        Object.assign(identityEnv, { IDENTITY_DATABASE_URL: identityPg.url });
        platformDbUrl = await createPostgresDatabase();
      }
      const create = spawnScript(
        'identity/main.ts',
        ['create-operator', '--email', operatorLogin.email],
        identityEnv,
        operatorLogin.password,
      );
      assert.equal(await exited(create), 0, create.output());
      identity = spawnScript('identity/main.ts', [], identityEnv);
      platformDataDir = tmp();
      platform = spawnScript('server/main.ts', [], {
        NODE_ENV: 'test',
        PORT: String(platformPort),
        HOST: '127.0.0.1',
        PUBLIC_URL: platformUrl,
        DATA_DIR: platformDataDir,
        SECRET_KEY: randomSecret(),
        LOG_LEVEL: 'error',
        IDENTITY_ISSUERS: identityUrl,
        ...(platformDbUrl ? { DATABASE_URL: platformDbUrl } : {}),
      });
      await Promise.all([
        waitFor(`${identityUrl}/.well-known/jwt-vc-issuer`, identity),
        waitFor(`${platformUrl}/readyz`, platform),
      ]);
    });

    after(async () => {
      await Promise.all([identity?.stop(), platform?.stop()]);
      await eid?.close();
      await identityPg?.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    let desk: HeldCredential[] = [];
    let firstCredential: HeldCredential;
    let firstAnswer: { req: PresentationRequest; shown: string };

    it('desk enrolment → batch → resident_of + age_range presented → badge on the persona', async () => {
      const operator = request.agent(identityUrl);
      await operator.post('/operator/login').send(operatorLogin).expect(204);
      const enrolled = await operator
        .post('/desk/enrolments')
        .send({ familyName: 'Bernard', givenNames: 'Zoé', birthdate: '1991-05-05', district: 'Centre' })
        .expect(201);
      desk = (await receiveBatch(parseOfferUri(enrolled.body.credential_offer_uri), 4)).credentials;
      firstCredential = desk[0]!;
      const alice = await signUp('alice');
      const req = await askBadge(alice, 'alice', ['resident_of', 'age_range']);
      firstAnswer = {
        req,
        shown: await present(firstCredential, {
          claims: ['resident_of', 'age_range'],
          audience: req.client_id,
          nonce: req.nonce,
        }),
      };
      presented.push(firstAnswer.shown);
      desk.shift();
      const res = await fetch(req.response_uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          vp_token: JSON.stringify({ residence: [firstAnswer.shown] }),
          state: req.state,
        }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      await confirm(alice, res, 'alice');
      const [badge] = await badgesOf('alice');
      assert.equal(badge.label, 'Résident·e vérifié·e — 30–39 ans');
      assert.equal(badge.residentOf, 'Parvis-sur-Loire');
      assert.equal(badge.ageRange, '30-39');
      assert.equal(badge.district, undefined, 'the district was not disclosed');
      assert.equal(badge.issuerUrl, identityUrl);
    });

    it('postal letter + national eID enrolment of one person → badge with district and age', async () => {
      await request(identityUrl)
        .post('/letter/requests')
        .send({
          familyName: 'Vasseur',
          givenNames: 'Hélène',
          birthdate: '1986-02-14',
          district: 'Gare',
          address: '12 rue des Tanneurs',
        })
        .expect(202);
      const operator = request.agent(identityUrl);
      await operator.post('/operator/login').send(operatorLogin).expect(204);
      const { body: mailroom } = await operator
        .get('/mailroom')
        .set('accept', 'application/json')
        .expect(200);
      const printed = await operator
        .post(`/mailroom/letters/${mailroom.letters[0].id}/print`)
        .set('accept', 'application/json')
        .expect(200);
      const confirmed = await request(identityUrl)
        .post('/letter/confirm')
        .send({ reference: printed.body.reference, code: printed.body.code })
        .expect(201);
      const letterBatch = (await receiveBatch(parseOfferUri(confirmed.body.credential_offer_uri), 1))
        .credentials;
      assert.equal(letterBatch[0]!.claims.age_range, undefined, 'a letter alone proves residence only');

      const browser = request.agent(identityUrl);
      const start = await browser.get('/enrol/eid/start').expect(303);
      const landing = await browseEidLogin(
        start.headers.location!,
        'fc-e2e',
        `${identityUrl}/enrol/eid/callback`,
      );
      const callback = await browser.get(landing.pathname + landing.search).expect(303);
      const offer = new URLSearchParams(new URL(callback.headers.location!).hash.slice(1)).get('offer')!;
      const batch = (await receiveBatch(parseOfferUri(offer), 2)).credentials;
      assert.equal(
        batch[0]!.claims.district,
        'Gare',
        'the same person: the eID adds age to the letter’s residence',
      );

      const bob = await signUp('bob');
      const req = await askBadge(bob, 'bob', ['resident_of', 'district', 'age_range']);
      const res = await presentTo(batch[0]!, req, ['resident_of', 'district', 'age_range']);
      assert.equal(res.status, 200, await res.clone().text());
      await confirm(bob, res, 'bob');
      const [badge] = await badgesOf('bob');
      assert.equal(badge.label, 'Résident·e vérifié·e — quartier Gare — 40–49 ans');
    });

    it('lets the wallet page send forms only to itself and the listed platform', async () => {
      const page = await request(identityUrl).get('/wallet').expect(200);
      assert.match(
        page.headers['content-security-policy']!,
        new RegExp(`form-action 'self' ${platformUrl};`),
      );
    });

    it('refuses a replayed presentation and stores nothing', async () => {
      const res = await fetch(firstAnswer.req.response_uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          vp_token: JSON.stringify({ residence: [firstAnswer.shown] }),
          state: firstAnswer.req.state,
        }),
      });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal((await badgesOf('alice')).length, 1);
    });

    it('refuses the same credential on a second persona (fresh key binding, same credential), storing nothing', async () => {
      const carol = await signUp('carol');
      const req = await askBadge(carol, 'carol', ['resident_of']);
      // A dishonest holder keeps the spent credential and its key, and signs a new key binding.
      const res = await presentTo(firstCredential, req, ['resident_of']);
      assert.equal(res.status, 409);
      const problem = (await res.json()) as { detail: string };
      assert.equal(problem.detail, 'credential-already-used');
      assert.deepEqual(await badgesOf('carol'), []);
      // The request was not spent by the refusal: an honest credential still works with it.
      const ok = await presentTo(desk.shift()!, req, ['resident_of']);
      assert.equal(ok.status, 200, await ok.text());
    });

    it('refuses a presentation for a claim combination it did not ask, keeping only what was asked', async () => {
      const dave = await signUp('dave');
      const req = await askBadge(dave, 'dave', ['age_range']);
      const res = await presentTo(desk.shift()!, req, ['resident_of', 'age_range']);
      assert.equal(res.status, 200);
      await confirm(dave, res, 'dave');
      const [badge] = await badgesOf('dave');
      assert.equal(badge.residentOf, undefined);
      assert.equal(badge.label, 'Âge vérifié — 30–39 ans');
    });

    it('gives a second persona of the same person its badge from another credential sharing no identifying value', async () => {
      const agent = request.agent(platformUrl);
      await agent
        .post('/api/v1/session')
        .send({ email: 'alice@example.org', password: 'a long enough password' })
        .expect(200);
      await agent
        .post('/api/v1/me/personas')
        .send({ handle: 'alice_bis', displayName: 'Alice bis' })
        .expect(201);
      const req = await askBadge(agent, 'alice_bis', ['resident_of', 'age_range']);
      // Through the holder library's OpenID4VP answer: the DCQL query picks the credential.
      const held = desk[0]!;
      presented.push(held.credential);
      const res = await respond(desk, req);
      assert.equal(desk.includes(held), false, 'the credential is spent');
      assert.equal(res.status, 200, await res.clone().text());
      await confirm(agent, res, 'alice_bis');
      const payload = (c: HeldCredential) => decodeJwt(c.credential.split('~')[0]!);
      const [a, b] = [payload(firstCredential), payload(held)];
      assert.notDeepEqual(a.cnf, b.cnf);
      assert.notEqual(
        (a.status as { status_list: { idx: number } }).status_list.idx,
        (b.status as { status_list: { idx: number } }).status_list.idx,
      );
      assert.equal(
        (a.iat as number) % 86_400,
        0,
        'iat is rounded to the day, shared by everyone issued that day',
      );
      const [mine] = await badgesOf('alice');
      const [bis] = await badgesOf('alice_bis');
      assert.notEqual(mine.id, bis.id);
      assert.equal(
        JSON.stringify([mine, bis]).includes('thumbprint'),
        false,
        'the public view shows no key thumbprint',
      );
    });

    it('leaves in the platform database no name, birthdate, address or raw credential', async () => {
      await platform.stop();
      const handle = await openDatabase(
        platformDbUrl
          ? { kind: 'postgres', url: platformDbUrl }
          : { kind: 'pglite', dataDir: platformDataDir },
      );
      try {
        const tables = await selectRows<{ table_name: string }>(
          handle.db,
          sql`select table_name from information_schema.tables where table_schema = 'public'`,
        );
        let text = '';
        for (const { table_name } of tables) {
          const rows = await selectRows<{ row: string }>(
            handle.db,
            sql`select t::text as row from ${sql.identifier(table_name)} t`,
          );
          text += rows.map((r) => r.row).join('\n');
        }
        const fragments = presented.flatMap((p) => {
          const parts = p.split('~');
          const [issuerJwt] = parts;
          return [issuerJwt!.split('.')[2]!, ...parts.slice(1).filter((d) => d.length > 0)];
        });
        for (const secret of [...secrets, ...fragments]) {
          assert.equal(text.includes(secret), false, `the platform database holds "${secret.slice(0, 30)}"`);
        }
        const badges = await selectRows<{ persona: string; thumbprint: string; idx: number | null }>(
          handle.db,
          sql`select p.handle as persona, b.holder_key_thumbprint as thumbprint, b.status_idx as idx from badges b join personas p on p.id = b.persona_id`,
        );
        const badgeOf = (h: string) => badges.find((b) => b.persona === h);
        assert.ok(badgeOf('alice')?.thumbprint && badgeOf('alice_bis')?.thumbprint);
        assert.notEqual(badgeOf('alice')!.thumbprint, badgeOf('alice_bis')!.thumbprint);
        // The status entry kept for revocation checks is each credential's own random index.
        assert.equal(typeof badgeOf('alice')!.idx, 'number');
        assert.notEqual(badgeOf('alice')!.idx, badgeOf('alice_bis')!.idx);
      } finally {
        await handle.close();
      }
    });
  });
}
