import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { findAccountByEmail, setRole } from '../models/accounts.ops.ts';
import { getInstanceSettings, listDistricts } from '../models/territory.ops.ts';
import { webFallbacks } from '../web/errors.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';
import {
  type Agent,
  csrfFrom,
  logInThroughForm,
  newPerson,
  signUpThroughForm,
  submitForm,
} from './support/web.ts';

for (const kind of databaseKinds()) {
  describe(`web: territory administration and districts [${kind}]`, () => {
    let instance: TestInstance;
    let admin: Agent;
    let resident: Agent;

    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind);
      const adminPerson = newPerson('adm');
      await signUpThroughForm(request.agent(instance.url), adminPerson);
      const account = await findAccountByEmail(instance.database.db, adminPerson.email);
      await setRole(instance.database.db, account!.id, 'admin');
      admin = request.agent(instance.url);
      assert.equal((await logInThroughForm(admin, adminPerson.email, adminPerson.password)).status, 303);
      resident = request.agent(instance.url);
      await signUpThroughForm(resident, newPerson('res'));
    });
    after(async () => {
      await instance?.close();
    });

    it('the admin page is forbidden to residents (403 page) and sends visitors to the login form', async () => {
      const res = await resident.get('/admin/territory');
      assert.equal(res.status, 403);
      assert.match(res.text, /<h1>Accès refusé<\/h1>/);
      const anon = await request(instance.url).get('/admin/territory');
      assert.equal(anon.status, 303);
      assert.match(anon.headers.location ?? '', /^\/login\?next=/);
    });

    it('a resident cannot post to the admin forms, even with a valid token; nothing changes', async () => {
      const page = await resident.get('/settings/account');
      const res = await resident
        .post('/admin/territory/districts')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), slug: 'pirate', name: 'Pirate' });
      assert.equal(res.status, 403);
      assert.deepEqual(await listDistricts(instance.database.db), []);
    });

    it('an admin edits the instance name and description, shown on the home page', async () => {
      const res = await submitForm(admin, '/admin/territory', '/admin/territory/instance', {
        name: 'Ville de Test',
        description: 'Le parvis numérique de la ville.',
      });
      assert.equal(res.status, 303);
      const settings = await getInstanceSettings(instance.database.db, { name: 'x' });
      assert.equal(settings.name, 'Ville de Test');
      const home = await request(instance.url).get('/');
      assert.match(home.text, /<h1>Ville de Test<\/h1>/);
      assert.match(home.text, /Le parvis numérique de la ville\./);
    });

    it('an admin creates, renames and deletes districts', async () => {
      const created = await submitForm(admin, '/admin/territory', '/admin/territory/districts', {
        slug: 'centre',
        name: 'Centre',
        description: '',
      });
      assert.equal(created.status, 303);
      assert.deepEqual(
        (await listDistricts(instance.database.db)).map((d) => d.name),
        ['Centre'],
      );
      const renamed = await submitForm(admin, '/admin/territory', '/admin/territory/districts/centre', {
        name: 'Centre-ville',
        description: 'Autour de la mairie',
      });
      assert.equal(renamed.status, 303);
      const list = await request(instance.url).get('/districts');
      assert.match(list.text, /Centre-ville/);
      assert.match(list.text, /Autour de la mairie/);
      await submitForm(admin, '/admin/territory', '/admin/territory/districts', {
        slug: 'gare',
        name: 'Gare',
      });
      const deleted = await submitForm(
        admin,
        '/admin/territory',
        '/admin/territory/districts/gare/delete',
        {},
      );
      assert.equal(deleted.status, 303);
      assert.deepEqual(
        (await listDistricts(instance.database.db)).map((d) => d.slug),
        ['centre'],
      );
    });

    it('invalid admin forms answer 400 with the error summary and change nothing', async () => {
      const badSlug = await submitForm(admin, '/admin/territory', '/admin/territory/districts', {
        slug: 'Pas Bon',
        name: '',
      });
      assert.equal(badSlug.status, 400);
      assert.match(badSlug.text, /<a href="#f-slug">/);
      assert.match(badSlug.text, /<a href="#f-name">/);
      assert.match(badSlug.text, /value="Pas Bon"/);
      const taken = await submitForm(admin, '/admin/territory', '/admin/territory/districts', {
        slug: 'centre',
        name: 'Encore',
      });
      assert.equal(taken.status, 400);
      const emptyName = await submitForm(admin, '/admin/territory', '/admin/territory/instance', {
        name: '  ',
      });
      assert.equal(emptyName.status, 400);
      assert.match(emptyName.text, /<a href="#f-instance-name">/);
      assert.match(emptyName.text, /id="f-instance-name"[^>]*aria-invalid="true"/);
      assert.deepEqual(
        (await listDistricts(instance.database.db)).map((d) => d.name),
        ['Centre-ville'],
      );
      assert.equal((await getInstanceSettings(instance.database.db, { name: 'x' })).name, 'Ville de Test');
    });

    it('an admin form without the CSRF token is refused with 403 and changes nothing', async () => {
      const res = await admin.post('/admin/territory/districts/centre/delete').type('form').send({});
      assert.equal(res.status, 403);
      assert.equal((await listDistricts(instance.database.db)).length, 1);
    });
  });

  describe(`web: languages and error pages [${kind}]`, () => {
    let instance: TestInstance;
    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind);
    });
    after(async () => {
      await instance?.close();
    });

    it('renders French by default, with a content security policy and no caching by shared caches', async () => {
      const res = await request(instance.url).get('/');
      assert.match(res.text, /<html lang="fr">/);
      assert.match(res.text, /Aller au contenu/);
      assert.equal(res.headers['content-language'], 'fr');
      assert.match(
        res.headers['content-security-policy'] ?? '',
        /default-src 'self'.*frame-ancestors 'none'/,
      );
      assert.equal(res.headers['cache-control'], 'private, no-store');
    });

    it('renders English with ?lang=en and remembers it in a cookie', async () => {
      const agent = request.agent(instance.url);
      const res = await agent.get('/signup?lang=en');
      assert.match(res.text, /<html lang="en">/);
      assert.match(res.text, /<h1>Sign up<\/h1>/);
      assert.match(res.text, /Skip to content/);
      assert.match(String(res.headers['set-cookie']), /parvis\.lang=en/);
      const next = await agent.get('/login');
      assert.match(next.text, /<h1>Log in<\/h1>/);
      const back = await agent.get('/login?lang=fr');
      assert.match(back.text, /<h1>Se connecter<\/h1>/);
    });

    it('the language switcher keeps the timeline page and the login target, and nothing else', async () => {
      const res = await request(instance.url).get('/?cursor=abc&saved=1&lang=fr');
      assert.match(res.text, /href="\/\?cursor=abc&amp;lang=en"/);
      const login = await request(instance.url).get('/login?next=%2Ffeed&x=1');
      assert.match(login.text, /href="\/login\?next=%2Ffeed&amp;lang=en"/);
    });

    it('follows Accept-Language when nothing else is set', async () => {
      const res = await request(instance.url)
        .get('/about/privacy')
        .set('Accept-Language', 'en-GB,en;q=0.9,fr;q=0.5');
      assert.match(res.text, /<html lang="en">/);
      assert.match(res.text, /<h1>What others see of you<\/h1>/);
    });

    it('uses the account’s language preference, set on the account page', async () => {
      const agent = request.agent(instance.url);
      const person = newPerson('lang');
      await signUpThroughForm(agent, person);
      const res = await submitForm(agent, '/settings/account', '/settings/account/language', {
        language: 'en',
      });
      assert.equal(res.status, 303);
      // Another browser, without the language cookie: once logged in, the account's preference applies.
      const fresh = request.agent(instance.url);
      assert.match((await fresh.get('/login')).text, /<html lang="fr">/);
      await logInThroughForm(fresh, person.email, person.password);
      const page = await fresh.get('/settings/account');
      assert.match(page.text, /<html lang="en">/);
      assert.match(page.text, /<h1>My account<\/h1>/);
      const bad = await submitForm(agent, '/settings/account', '/settings/account/language', {
        language: 'de',
      });
      assert.equal(bad.status, 400);
    });

    it('error pages are rendered in the layout, in the visitor’s language', async () => {
      const res = await request(instance.url).get('/no/such/page?lang=en');
      assert.equal(res.status, 404);
      assert.match(res.text, /<h1>Page not found<\/h1>/);
      assert.match(res.text, /<main id="main"/);
    });

    it('a failing page answers a 500 page in the layout, without the details of the error', async () => {
      // The web router's fallbacks on a tiny app with a route that throws, over the instance's real context.
      const app = express();
      app.get('/boom', () => {
        throw new Error('secret detail of the failure');
      });
      app.use(webFallbacks(instance.ctx));
      const res = await request(app).get('/boom?lang=en');
      assert.equal(res.status, 500);
      assert.match(res.text, /<h1>Something went wrong<\/h1>/);
      assert.doesNotMatch(res.text, /secret detail/);
      assert.equal((await request(app).get('/missing')).status, 404);
    });

    it('serves the stylesheet with long caching when versioned', async () => {
      const home = await request(instance.url).get('/');
      const href = /<link rel="stylesheet" href="([^"]+)"/.exec(home.text)?.[1];
      assert.ok(href?.startsWith('/static/parvis.css?v='));
      const css = await request(instance.url).get(href!);
      assert.equal(css.status, 200);
      assert.match(css.headers['content-type'] ?? '', /text\/css/);
      assert.match(css.headers['cache-control'] ?? '', /max-age=31536000/);
    });
  });
}
