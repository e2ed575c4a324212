import assert from 'node:assert/strict';
import request from 'supertest';
import { findAccountByEmail, setRole } from '../models/accounts.ops.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';
import {
  type Agent,
  csrfFrom,
  logInThroughForm,
  mainOf,
  newPerson,
  signUpThroughForm,
  submitForm,
} from './support/web.ts';

/** Every notice of a page: its role, whether it takes focus on load, and its text. */
function noticesOf(page: string): { role: string; autofocus: boolean; text: string }[] {
  return [...mainOf(page).matchAll(/<p class="notice[^"]*"([^>]*)>([^<]*)<\/p>/g)].map((m) => ({
    role: /role="([a-z]+)"/.exec(m[1]!)?.[1] ?? '',
    autofocus: / autofocus\b/.test(m[1]!),
    text: m[2]!,
  }));
}

/** The first element inside <main>, where the layout puts the notice. */
function firstInMain(page: string): string {
  return /^\s*(<[^>]*>)/.exec(mainOf(page))?.[1] ?? '';
}

for (const kind of databaseKinds()) {
  describe(`web: notices after an action are announced [${kind}]`, () => {
    let instance: TestInstance;
    let resident: Agent;
    let admin: Agent;

    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind);
      resident = request.agent(instance.url);
      await signUpThroughForm(resident, newPerson('ntc'));
      const adminPerson = newPerson('nad');
      await signUpThroughForm(request.agent(instance.url), adminPerson);
      const account = await findAccountByEmail(instance.database.db, adminPerson.email);
      await setRole(instance.database.db, account!.id, 'admin');
      admin = request.agent(instance.url);
      assert.equal((await logInThroughForm(admin, adminPerson.email, adminPerson.password)).status, 303);
    });
    after(async () => {
      await instance?.close();
    });

    it('after a persona is created, the list says so as a status that takes the focus, first in the main content', async () => {
      const res = await submitForm(resident, '/settings/personas', '/settings/personas', {
        handle: `ntc_second_${process.pid % 1000}`,
        displayName: 'Seconde voix',
      });
      assert.equal(res.status, 303);
      const page = await resident.get(res.headers.location!);
      assert.deepEqual(noticesOf(page.text), [{ role: 'status', autofocus: true, text: 'Pseudonyme créé.' }]);
      assert.match(firstInMain(page.text), /^<p class="notice" tabindex="-1" autofocus role="status">$/);
      assert.equal(page.text.match(/ autofocus\b/g)?.length, 1, 'only one element asks for the focus');
    });

    it('after the language is saved, the settings page says so as a status in the new language, and in French again', async () => {
      const toEnglish = await submitForm(resident, '/settings/account', '/settings/account/language', {
        language: 'en',
      });
      assert.equal(toEnglish.status, 303);
      const english = await resident.get(toEnglish.headers.location!);
      assert.match(english.text, /<html lang="en">/);
      assert.deepEqual(noticesOf(english.text), [
        { role: 'status', autofocus: true, text: 'Changes saved.' },
      ]);

      const toFrench = await submitForm(resident, '/settings/account', '/settings/account/language', {
        language: 'fr',
      });
      const french = await resident.get(toFrench.headers.location!);
      assert.match(french.text, /<html lang="fr">/);
      assert.deepEqual(noticesOf(french.text), [
        { role: 'status', autofocus: true, text: 'Modifications enregistrées.' },
      ]);
    });

    it('a page reached without an action shows no notice', async () => {
      const page = await resident.get('/settings/account?saved=maybe');
      assert.deepEqual(noticesOf(page.text), []);
      assert.doesNotMatch(page.text, /role="status"/);
    });

    it('a refused admin action is an alert that takes the focus, and the title says there is an error', async () => {
      const list = await admin.get('/admin/instances');
      const res = await admin
        .post('/admin/instances/not%20a%20server/retry')
        .type('form')
        .send({ _csrf: csrfFrom(list.text) });
      assert.equal(res.status, 400);
      assert.deepEqual(noticesOf(res.text), [
        { role: 'alert', autofocus: true, text: 'Ce n’est pas un nom de serveur.' },
      ]);
      assert.match(res.text, /<title>Erreur/);
    });

    it('a form sent with errors gives the focus to the error summary, and shows no success notice', async () => {
      const res = await submitForm(resident, '/settings/personas', '/settings/personas', {
        handle: 'NO WAY',
        displayName: '',
      });
      assert.equal(res.status, 400);
      assert.deepEqual(noticesOf(res.text), []);
      assert.match(res.text, /class="error-summary" role="alert"[^>]* autofocus>/);
      assert.equal(res.text.match(/ autofocus\b/g)?.length, 1);
    });
  });
}
