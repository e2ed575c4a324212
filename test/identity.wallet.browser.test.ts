import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { createOperator } from '../identity/service/enrolment.ops.ts';
import { type Browser, launchChromium, requireChromium, seriousViolations } from './support/browser.ts';
import { databaseKinds } from './support/databases.ts';
import { openIdentityTestDb, startIdentityApp } from './support/identity-service.ts';
import { freePort, startTestInstance, type TestInstance } from './support/instance.ts';

const OPERATOR = { email: 'desk@town.example', password: 'a desk password long enough' };
const RESIDENT = {
  email: 'camille@example.org',
  password: 'a long enough password',
  handle: 'camille',
  displayName: 'Camille',
};

/**
 * The wallet page and the badge flow in a real browser (Debian's Chromium through
 * playwright-core): the wallet receives a batch with keys made in the page (non-extractable,
 * in IndexedDB), the resident asks for a badge from the platform's settings page, consents on
 * the wallet, and finds the badge on the persona's page. axe-core checks the consent screen
 * and the persona's page.
 */
for (const kind of databaseKinds()) {
  describe(`the wallet in a real browser (${kind})`, function () {
    this.timeout(180_000);
    let identityDb: Awaited<ReturnType<typeof openIdentityTestDb>>;
    let identity: Awaited<ReturnType<typeof startIdentityApp>>;
    let platform: TestInstance;
    let browser: Browser;
    let page: Page;
    let walletUrl: string;

    before(async function () {
      requireChromium(this);
      const platformPort = await freePort();
      identityDb = await openIdentityTestDb(kind);
      identity = await startIdentityApp(identityDb.handle, {
        IDENTITY_VERIFIER_ORIGINS: `http://127.0.0.1:${platformPort}`,
      });
      platform = await startTestInstance(kind, {
        port: platformPort,
        env: { IDENTITY_ISSUERS: identity.url },
      });
      assert.ok((await createOperator(identity.ctx.db, OPERATOR.email, OPERATOR.password)).ok);
      const desk = request.agent(identity.url);
      await desk.post('/operator/login').send(OPERATOR).expect(204);
      const enrolled = await desk
        .post('/desk/enrolments')
        .send({ familyName: 'Morel', givenNames: 'Camille', birthdate: '1992-06-01', district: 'Centre' })
        .expect(201);
      walletUrl = enrolled.body.wallet_url;

      // A fresh profile each run: no wallet, cookie or cache left over from another run.
      browser = await launchChromium({ locale: 'fr-FR' });
      page = await browser.context.newPage();
    });

    after(async () => {
      await browser?.close();
      await platform?.close();
      await identity?.close();
      await identityDb?.drop();
    });

    it('receives a batch in the wallet with keys made in the page, non-extractable, kept in IndexedDB', async () => {
      await page.goto(walletUrl);
      await page.getByText('Attestations à usage unique disponibles : 5').waitFor();
      assert.equal(new URL(page.url()).hash, '', 'the offer leaves the address bar');
      const keys = await page.evaluate(async () => {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const open = indexedDB.open('parvis-wallet', 1);
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error);
        });
        const entries = await new Promise<{ credential: string; privateKey: CryptoKey }[]>(
          (resolve, reject) => {
            const all = db.transaction('credentials').objectStore('credentials').getAll();
            all.onsuccess = () => resolve(all.result);
            all.onerror = () => reject(all.error);
          },
        );
        db.close();
        return Promise.all(
          entries.map(async ({ credential, privateKey }) => ({
            credential: typeof credential === 'string' && credential.split('~').length > 2,
            isCryptoKey: privateKey instanceof CryptoKey,
            type: privateKey.type,
            extractable: privateKey.extractable,
            exported: await crypto.subtle.exportKey('jwk', privateKey).then(
              () => 'exported',
              (error: Error) => error.name,
            ),
          })),
        );
      });
      assert.equal(keys.length, 5);
      for (const key of keys) {
        assert.deepEqual(key, {
          credential: true,
          isCryptoKey: true,
          type: 'private',
          extractable: false,
          exported: 'InvalidAccessError',
        });
      }
    });

    it('asks for a badge from the settings page, consents on the wallet and shows the badge on /@handle', async () => {
      await page.goto(`${platform.url}/signup`);
      await page.fill('input[name="email"]', RESIDENT.email);
      await page.fill('input[name="password"]', RESIDENT.password);
      await page.fill('input[name="handle"]', RESIDENT.handle);
      await page.fill('input[name="displayName"]', RESIDENT.displayName);
      await Promise.all([
        page.waitForURL((url) => !url.pathname.startsWith('/signup')),
        page.click('form[action="/signup"] button[type="submit"]'),
      ]);

      await page.goto(`${platform.url}/settings/personas`);
      const form = page.locator(`form[action="/settings/personas/${RESIDENT.handle}/badges/request"]`);
      assert.equal(await form.locator('input[value="resident_of"]').isChecked(), true);
      assert.equal(await form.locator('input[value="age_range"]').isChecked(), true);
      assert.equal(await form.locator('input[value="district"]').isChecked(), false);
      await Promise.all([
        page.waitForURL((url) => url.origin === identity.url && url.pathname === '/wallet'),
        form.getByRole('button', { name: 'Obtenir un badge vérifié' }).click(),
      ]);

      // The consent screen: what the platform asks for, named, with the values to be shared.
      const consent = page.getByRole('group', { name: `Informations demandées par ${platform.url}` });
      await consent.waitFor();
      assert.equal(await consent.getByLabel(/Résident·e de/).isChecked(), true);
      assert.equal(await consent.getByLabel(/Tranche d’âge/).isChecked(), true);
      assert.equal(await consent.getByLabel(/Quartier/).count(), 0, 'the district was not asked for');
      assert.deepEqual(
        await seriousViolations(page),
        [],
        'no serious or critical axe violation on the consent screen',
      );

      await Promise.all([
        page.waitForURL(`${platform.url}/@${RESIDENT.handle}?badge=added`),
        page.getByRole('button', { name: 'Partager' }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'Badge vérifié ajouté' }).waitFor();
      const list = page.getByRole('list', { name: `Badges vérifiés de @${RESIDENT.handle}` });
      assert.equal(
        (await list.getByRole('listitem').allTextContents()).map((t) => t.trim()).join('|'),
        'Résident·e vérifié·e — 30–39 ans · vérifié par Ville de Parvis-sur-Loire',
      );
      assert.deepEqual(await seriousViolations(page), [], 'no serious or critical axe violation on /@handle');

      // The credential was single use: the wallet holds one fewer.
      await page.goto(`${identity.url}/wallet`);
      await page.getByText('Attestations à usage unique disponibles : 4').waitFor();
    });
  });
}
