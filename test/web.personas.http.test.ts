import assert from 'node:assert/strict';
import request from 'supertest';
import { findAccountByEmail } from '../models/accounts.ops.ts';
import { createInstitution } from '../models/institutions.ops.ts';
import { findPersonaByHandle, listAccountPersonas } from '../models/personas.ops.ts';
import { createDistrict } from '../models/territory.ops.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';
import {
  type Agent,
  csrfFrom,
  mainOf,
  newPerson,
  type Person,
  signUpThroughForm,
  submitForm,
} from './support/web.ts';

for (const kind of databaseKinds()) {
  describe(`web: personas and public pages [${kind}]`, () => {
    let instance: TestInstance;
    let agent: Agent;
    let owner: Person;
    let accountId: string;
    const second = { handle: `second_${process.pid % 1000}`, displayName: 'Deuxième Voix' };

    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind);
      await createDistrict(instance.database.db, { slug: 'centre', name: 'Centre' });
      owner = newPerson('own');
      agent = request.agent(instance.url);
      await signUpThroughForm(agent, owner);
      accountId = (await findAccountByEmail(instance.database.db, owner.email))!.id;
    });
    after(async () => {
      await instance?.close();
    });

    async function handles(): Promise<string[]> {
      return (await listAccountPersonas(instance.database.db, accountId)).map((p) => p.handle);
    }

    it('creates a second persona through the form', async () => {
      const res = await submitForm(agent, '/settings/personas', '/settings/personas', {
        ...second,
        bio: 'Cycliste du quotidien',
        district: 'centre',
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/settings/personas?done=created');
      assert.deepEqual(await handles(), [owner.handle, second.handle]);
      const list = await agent.get(res.headers.location);
      assert.match(list.text, /Deuxième Voix/);
      assert.match(
        list.text,
        /<p class="notice" tabindex="-1" autofocus role="status">Pseudonyme créé\.<\/p>/,
      );
      assert.doesNotMatch(list.text, /badges\/request/, 'no badge offered without an identity service');
      assert.doesNotMatch(list.headers['content-security-policy']!, /form-action 'self' /);
    });

    it('an invalid persona form answers 400 with the error summary and creates nothing', async () => {
      const res = await submitForm(agent, '/settings/personas', '/settings/personas', {
        handle: 'NO WAY',
        displayName: '',
        district: 'nowhere',
      });
      assert.equal(res.status, 400);
      assert.match(res.text, /class="error-summary"/);
      assert.match(res.text, /<a href="#f-handle">/);
      assert.match(res.text, /<a href="#f-displayName">/);
      assert.match(res.text, /id="f-handle"[^>]*aria-invalid="true"/);
      assert.deepEqual(await handles(), [owner.handle, second.handle]);
      const unknownDistrict = await submitForm(agent, '/settings/personas', '/settings/personas', {
        handle: 'third_one',
        displayName: 'Trois',
        district: 'nowhere',
      });
      assert.equal(unknownDistrict.status, 400);
      assert.match(unknownDistrict.text, /<a href="#f-district">/);
      assert.deepEqual(await handles(), [owner.handle, second.handle]);
    });

    it('a handle already taken by another account is refused and nothing is created', async () => {
      const other = newPerson('oth');
      await signUpThroughForm(request.agent(instance.url), other);
      const res = await submitForm(agent, '/settings/personas', '/settings/personas', {
        handle: other.handle,
        displayName: 'Copie',
      });
      assert.equal(res.status, 400);
      assert.match(res.text, /<a href="#f-handle">/);
      assert.deepEqual(await handles(), [owner.handle, second.handle]);
    });

    it('renames a persona: display name, bio and district', async () => {
      const res = await submitForm(
        agent,
        `/settings/personas/${second.handle}/edit`,
        `/settings/personas/${second.handle}/edit`,
        {
          displayName: 'Voix Renommée',
          bio: 'Nouvelle présentation',
          district: '',
        },
      );
      assert.equal(res.status, 303);
      const persona = await findPersonaByHandle(instance.database.db, second.handle);
      assert.equal(persona?.displayName, 'Voix Renommée');
      assert.equal(persona?.bio, 'Nouvelle présentation');
      assert.equal(persona?.districtId, null);
      second.displayName = 'Voix Renommée';
    });

    it('switches the active persona through the header form', async () => {
      const res = await submitForm(agent, '/', '/settings/active-persona', {
        handle: second.handle,
        next: '/',
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/');
      const account = await findAccountByEmail(instance.database.db, owner.email);
      const active = (await listAccountPersonas(instance.database.db, accountId)).find(
        (p) => p.id === account?.activePersonaId,
      );
      assert.equal(active?.handle, second.handle);
      const home = await agent.get('/');
      assert.match(home.text, new RegExp(`<strong>${second.displayName}</strong> \\(@${second.handle}\\)`));
    });

    it('cannot switch to, edit or delete a persona of another account', async () => {
      const other = newPerson('stranger');
      await signUpThroughForm(request.agent(instance.url), other);
      const sw = await submitForm(agent, '/', '/settings/active-persona', { handle: other.handle });
      assert.equal(sw.status, 404);
      assert.equal((await agent.get(`/settings/personas/${other.handle}/edit`)).status, 404);
      const page = await agent.get('/settings/personas');
      const del = await agent
        .post(`/settings/personas/${other.handle}/delete`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), confirm: 'yes' });
      assert.equal(del.status, 404);
      assert.ok(await findPersonaByHandle(instance.database.db, other.handle));
    });

    it('a persona page has noindex (meta and header) and shows neither the e-mail nor the other personas', async () => {
      for (const viewer of [request(instance.url), request.agent(instance.url)]) {
        const res = await viewer.get(`/@${owner.handle}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers['x-robots-tag'], 'noindex, nofollow');
        assert.match(res.text, /<meta name="robots" content="noindex, nofollow">/);
        assert.match(res.text, new RegExp(owner.displayName));
        assert.doesNotMatch(res.text, new RegExp(owner.email.replace('.', '\\.')));
        assert.doesNotMatch(res.text, new RegExp(second.handle));
        assert.doesNotMatch(res.text, new RegExp(second.displayName));
        assert.doesNotMatch(res.text, new RegExp(accountId));
      }
      // Even for its owner, the page itself lists no other persona (the header switcher is the owner's own UI).
      const own = await agent.get(`/@${owner.handle}`);
      assert.doesNotMatch(mainOf(own.text), new RegExp(second.handle));
      assert.doesNotMatch(mainOf(own.text), new RegExp(owner.email.replace('.', '\\.')));
    });

    it('the e-mail shows on the account page only, never on the owner’s other pages', async () => {
      const email = new RegExp(owner.email.replace('.', '\\.'));
      assert.match((await agent.get('/settings/account')).text, email);
      for (const url of [
        '/',
        '/settings/personas',
        `/settings/personas/${owner.handle}/edit`,
        `/@${owner.handle}`,
        '/districts',
        '/about/privacy',
      ]) {
        const res = await agent.get(url);
        assert.equal(res.status, 200, url);
        assert.doesNotMatch(res.text, email, url);
      }
    });

    it('a persona that opted into indexing has no noindex', async () => {
      const res = await submitForm(
        agent,
        `/settings/personas/${owner.handle}/edit`,
        `/settings/personas/${owner.handle}/edit`,
        {
          displayName: owner.displayName,
          bio: '',
          district: 'centre',
          indexable: 'on',
        },
      );
      assert.equal(res.status, 303);
      const page = await request(instance.url).get(`/@${owner.handle}`);
      assert.equal(page.headers['x-robots-tag'], undefined);
      assert.doesNotMatch(page.text, /name="robots"/);
      assert.match(mainOf(page.text), /Centre <span class="badge-unverified">non vérifié<\/span>/);
    });

    it('deletes a persona only after the confirmation step', async () => {
      const confirm = await agent.get(`/settings/personas/${second.handle}/delete`);
      assert.equal(confirm.status, 200);
      assert.match(confirm.text, /name="confirm" value="yes"/);
      const bare = await agent
        .post(`/settings/personas/${second.handle}/delete`)
        .type('form')
        .send({ _csrf: csrfFrom(confirm.text) });
      assert.equal(bare.status, 200);
      assert.deepEqual(await handles(), [owner.handle, second.handle]);
      const res = await agent
        .post(`/settings/personas/${second.handle}/delete`)
        .type('form')
        .send({ _csrf: csrfFrom(confirm.text), confirm: 'yes' });
      assert.equal(res.status, 303);
      assert.deepEqual(await handles(), [owner.handle]);
      const page = await request(instance.url).get(`/@${second.handle}`);
      assert.equal(page.status, 404);
      assert.match(page.text, /<h1>Page introuvable<\/h1>/);
    });

    it('the last persona cannot be deleted', async () => {
      const confirm = await agent.get(`/settings/personas/${owner.handle}/delete`);
      const res = await agent
        .post(`/settings/personas/${owner.handle}/delete`)
        .type('form')
        .send({ _csrf: csrfFrom(confirm.text), confirm: 'yes' });
      assert.equal(res.status, 400);
      assert.deepEqual(await handles(), [owner.handle]);
    });

    it('a persona form without the CSRF token is refused with 403 and creates nothing', async () => {
      const res = await agent
        .post('/settings/personas')
        .type('form')
        .send({ handle: 'no_token', displayName: 'X' });
      assert.equal(res.status, 403);
      assert.deepEqual(await handles(), [owner.handle]);
    });

    it('an unknown handle is a 404 page', async () => {
      const res = await request(instance.url).get('/@nobody_here');
      assert.equal(res.status, 404);
      assert.match(res.headers['content-type'] ?? '', /text\/html/);
    });

    it('an institution has its public page, marked as an institutional account', async () => {
      const created = await createInstitution(instance.database.db, {
        handle: 'mairie',
        name: 'Mairie de <Test>',
        description: 'La ville',
      });
      assert.ok(created.ok);
      const res = await request(instance.url).get('/@mairie');
      assert.equal(res.status, 200);
      assert.match(res.text, /<h1 id="profile-name">Mairie de &lt;Test&gt;<\/h1>/);
      assert.match(res.text, /compte institutionnel/);
      assert.match(
        res.text,
        /<link rel="alternate" type="application\/activity\+json" href="http:\/\/127\.0\.0\.1:\d+\/users\/mairie">/,
      );
    });

    it('settings pages send visitors without a session to the login form', async () => {
      const res = await request(instance.url).get('/settings/personas');
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/login?next=%2Fsettings%2Fpersonas');
    });
  });
}
