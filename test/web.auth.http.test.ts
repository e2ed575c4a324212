import assert from 'node:assert/strict';
import request from 'supertest';
import { countAccounts, findAccountByEmail } from '../models/accounts.ops.ts';
import { listAccountPersonas } from '../models/personas.ops.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';
import { csrfFrom, logInThroughForm, newPerson, signUpThroughForm, submitForm } from './support/web.ts';

for (const kind of databaseKinds()) {
  describe(`web: sign-up, login and logout through the forms [${kind}]`, () => {
    let instance: TestInstance;
    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind);
    });
    after(async () => {
      await instance?.close();
    });

    it('signs up through the form, lands signed in, and the account and first persona exist', async () => {
      const agent = request.agent(instance.url);
      const person = newPerson('su');
      const res = await signUpThroughForm(agent, person);
      assert.equal(res.headers.location, '/settings/personas');
      const account = await findAccountByEmail(instance.database.db, person.email);
      assert.ok(account);
      const personas = await listAccountPersonas(instance.database.db, account.id);
      assert.deepEqual(
        personas.map((p) => p.handle),
        [person.handle],
      );
      const home = await agent.get('/');
      assert.match(home.text, new RegExp(`@${person.handle}`));
      assert.match(home.text, /action="\/logout"/);
    });

    it('an invalid sign-up answers 400 with an error summary linked to the fields, keeps the values but not the password, and writes nothing', async () => {
      const agent = request.agent(instance.url);
      const before = await countAccounts(instance.database.db);
      const res = await submitForm(agent, '/signup', '/signup', {
        email: 'not-an-email',
        password: 'short<pw>',
        handle: 'Bad Handle!',
        displayName: 'Quelqu’un <b>',
      });
      assert.equal(res.status, 400);
      assert.match(res.text, /class="error-summary" role="alert"/);
      assert.match(res.text, /<a href="#f-email">/);
      assert.match(res.text, /<a href="#f-password">/);
      assert.match(res.text, /<a href="#f-handle">/);
      assert.match(res.text, /id="f-email"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*f-email-error/);
      assert.match(res.text, /<title>Erreur\u00a0: /);
      assert.match(res.text, /value="not-an-email"/);
      // Entered text is escaped when redisplayed, and the password never comes back.
      assert.match(res.text, /value="Quelqu’un &lt;b&gt;"/);
      assert.doesNotMatch(res.text, /short&lt;pw&gt;|short<pw>/);
      assert.equal(await countAccounts(instance.database.db), before);
    });

    it('a taken e-mail or handle redisplays the form with 400 and writes nothing', async () => {
      const first = newPerson('dup');
      await signUpThroughForm(request.agent(instance.url), first);
      const before = await countAccounts(instance.database.db);
      const sameEmail = await submitForm(request.agent(instance.url), '/signup', '/signup', {
        ...newPerson('x'),
        email: first.email,
      });
      assert.equal(sameEmail.status, 400);
      assert.match(sameEmail.text, /<a href="#f-email">/);
      const sameHandle = await submitForm(request.agent(instance.url), '/signup', '/signup', {
        ...newPerson('y'),
        handle: first.handle,
      });
      assert.equal(sameHandle.status, 400);
      assert.match(sameHandle.text, /<a href="#f-handle">/);
      assert.equal(await countAccounts(instance.database.db), before);
    });

    it('logs in and out through the forms', async () => {
      const person = newPerson('li');
      await signUpThroughForm(request.agent(instance.url), person);
      const agent = request.agent(instance.url);
      const login = await logInThroughForm(agent, person.email, person.password);
      assert.equal(login.status, 303);
      const account = await agent.get('/settings/account');
      assert.equal(account.status, 200);
      assert.match(account.text, new RegExp(person.email.replace('.', '\\.')));

      const logout = await agent
        .post('/logout')
        .type('form')
        .send({ _csrf: csrfFrom(account.text) });
      assert.equal(logout.status, 303);
      const after = await agent.get('/settings/account');
      assert.equal(after.status, 303);
      assert.match(after.headers.location ?? '', /^\/login\?next=/);
    });

    it('gives the same message for an unknown e-mail and a wrong password', async () => {
      const person = newPerson('gm');
      await signUpThroughForm(request.agent(instance.url), person);
      const unknown = await logInThroughForm(
        request.agent(instance.url),
        'nobody@example.org',
        'whatever-123',
      );
      const wrong = await logInThroughForm(request.agent(instance.url), person.email, 'wrong password');
      assert.equal(unknown.status, 400);
      assert.equal(wrong.status, 400);
      const message = (text: string) => /<ul><li><a href="#f-email">([^<]+)<\/a>/.exec(text)?.[1];
      assert.ok(message(unknown.text));
      assert.equal(message(unknown.text), message(wrong.text));
      assert.doesNotMatch(wrong.text, /wrong password/);
    });

    it('returns to the page asked for after login, and never to another site', async () => {
      const person = newPerson('nx');
      await signUpThroughForm(request.agent(instance.url), person);
      const agent = request.agent(instance.url);
      const page = await agent.get('/login?next=/settings/personas');
      const res = await agent
        .post('/login')
        .type('form')
        .send({
          _csrf: csrfFrom(page.text),
          email: person.email,
          password: person.password,
          next: '/settings/personas',
        });
      assert.equal(res.headers.location, '/settings/personas');
      const agent2 = request.agent(instance.url);
      const page2 = await agent2.get('/login');
      const evil = await agent2
        .post('/login')
        .type('form')
        .send({
          _csrf: csrfFrom(page2.text),
          email: person.email,
          password: person.password,
          next: '//evil.example',
        });
      assert.equal(evil.headers.location, '/');
    });

    it('a POST without a CSRF token, or with a wrong one, gets a 403 page and writes nothing', async () => {
      const agent = request.agent(instance.url);
      await agent.get('/signup');
      const person = newPerson('csrf');
      const without = await agent
        .post('/signup')
        .type('form')
        .send({ ...person });
      assert.equal(without.status, 403);
      assert.match(without.headers['content-type'] ?? '', /text\/html/);
      assert.match(without.text, /<h1>Formulaire expiré<\/h1>/);
      const wrong = await agent
        .post('/signup')
        .type('form')
        .send({ ...person, _csrf: 'x'.repeat(32) });
      assert.equal(wrong.status, 403);
      assert.equal(await findAccountByEmail(instance.database.db, person.email), undefined);
    });

    it('a token from another session is refused', async () => {
      const other = request.agent(instance.url);
      const token = csrfFrom((await other.get('/signup')).text);
      const agent = request.agent(instance.url);
      await agent.get('/signup');
      const person = newPerson('xs');
      const res = await agent
        .post('/signup')
        .type('form')
        .send({ ...person, _csrf: token });
      assert.equal(res.status, 403);
      assert.equal(await findAccountByEmail(instance.database.db, person.email), undefined);
    });

    it('changes the password only with the current one', async () => {
      const person = newPerson('pw');
      const agent = request.agent(instance.url);
      await signUpThroughForm(agent, person);
      const refused = await submitForm(agent, '/settings/account', '/settings/account/password', {
        currentPassword: 'not the password',
        newPassword: 'a brand new password',
      });
      assert.equal(refused.status, 400);
      assert.match(refused.text, /<a href="#f-currentPassword">/);
      const elsewhere = request.agent(instance.url);
      assert.equal((await logInThroughForm(elsewhere, person.email, person.password)).status, 303);
      assert.equal((await elsewhere.get('/settings/account')).status, 200);
      const ok = await submitForm(agent, '/settings/account', '/settings/account/password', {
        currentPassword: person.password,
        newPassword: 'a brand new password',
      });
      assert.equal(ok.status, 303);
      // The change ends the account's other sessions, and keeps the one that made it.
      assert.equal((await elsewhere.get('/settings/account')).status, 303);
      assert.equal((await agent.get('/settings/account')).status, 200);
      const login = await logInThroughForm(request.agent(instance.url), person.email, 'a brand new password');
      assert.equal(login.status, 303);
    });
  });

  describe(`web: login rate limit [${kind}]`, () => {
    let instance: TestInstance;
    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind, { env: { LOGIN_RATE_LIMIT: '2' } });
    });
    after(async () => {
      await instance?.close();
    });

    it('after too many failed attempts for one e-mail, the form answers 429 without checking the password', async () => {
      const person = newPerson('rl');
      await signUpThroughForm(request.agent(instance.url), person);
      for (let i = 0; i < 2; i++) {
        assert.equal(
          (await logInThroughForm(request.agent(instance.url), person.email, 'wrong password')).status,
          400,
        );
      }
      const blocked = await logInThroughForm(request.agent(instance.url), person.email, person.password);
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      assert.match(blocked.text, /Trop de tentatives/);
    });
  });
}
