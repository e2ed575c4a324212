import assert from 'node:assert/strict';
import { count } from 'drizzle-orm';
import request from 'supertest';
import { listFollows } from '../models/follows.ops.ts';
import { follows } from '../models/schema/index.ts';
import { databaseKinds } from './support/databases.ts';
import { eventually, fediHandle } from './support/federation.ts';
import { freePort, startTestInstance, type TestInstance } from './support/instance.ts';
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
  describe(`web: following remote accounts [${kind}]`, function () {
    this.timeout(120_000);
    let a: TestInstance;
    let b: TestInstance;
    let alice: Agent;
    let bob: Agent;
    let alicePerson: Person;
    let bobPerson: Person;

    before(async () => {
      [a, b] = await Promise.all([startTestInstance(kind), startTestInstance(kind)]);
      alicePerson = newPerson('wfa');
      bobPerson = newPerson('wfb');
      alice = request.agent(a.url);
      bob = request.agent(b.url);
      await signUpThroughForm(alice, alicePerson);
      await signUpThroughForm(bob, bobPerson);
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    const followCount = async (instance: TestInstance) =>
      (await instance.database.db.select({ n: count() }).from(follows))[0]!.n;
    const bobUrl = () => `${b.url}/users/${bobPerson.handle}`;

    it('the following page has a labelled follow form and the follower count, and needs a session', async () => {
      const page = await alice.get('/settings/following');
      assert.equal(page.status, 200);
      const main = mainOf(page.text);
      assert.match(main, /<h1>Abonnements<\/h1>/);
      assert.match(main, /<label for="f-target">Compte à suivre<\/label>/);
      assert.match(main, /Abonné·es de ce pseudonyme\u00a0: 0\./);
      assert.match(main, /Ce pseudonyme ne suit encore aucun compte\./);
      const anonymous = await request(a.url).get('/settings/following');
      assert.equal(anonymous.status, 303);
      assert.match(anonymous.headers.location!, /^\/login\?next=/);
    });

    it('a follow without the CSRF token is refused with 403 and writes nothing', async () => {
      const res = await alice.post('/settings/following').type('form').send({ target: bobUrl() });
      assert.equal(res.status, 403);
      assert.equal(await followCount(a), 0);
    });

    it('an invalid target or an unreachable server answers 400 with a clear error and writes nothing', async () => {
      const invalid = await submitForm(alice, '/settings/following', '/settings/following', {
        target: 'pas une adresse',
      });
      assert.equal(invalid.status, 400);
      assert.match(invalid.text, /class="error-summary"/);
      assert.match(invalid.text, /<a href="#f-target">Compte à suivre/);
      assert.match(invalid.text, /id="f-target"[^>]*aria-invalid="true"/);
      assert.match(invalid.text, /value="pas une adresse"/);
      const tooShort = await submitForm(alice, '/settings/following', '/settings/following', { target: 'x' });
      assert.equal(tooShort.status, 400);
      const nowhere = `http://127.0.0.1:${await freePort()}/users/personne`;
      const unreachable = await submitForm(alice, '/settings/following', '/settings/following', {
        target: nowhere,
      });
      assert.equal(unreachable.status, 400);
      assert.match(unreachable.text, /le serveur est injoignable ou ce compte n’existe pas/);
      const local = await submitForm(alice, '/settings/following', '/settings/following', {
        target: `${a.url}/users/${alicePerson.handle}`,
      });
      assert.equal(local.status, 400);
      assert.match(local.text, /Ce compte est sur ce serveur-ci/);
      assert.equal(await followCount(a), 0);
    });

    it('a resident follows an account of another live instance by URL, and its posts reach their feed', async () => {
      const res = await submitForm(alice, '/settings/following', '/settings/following', { target: bobUrl() });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/settings/following?done=followed');
      const page = await alice.get(res.headers.location);
      assert.match(page.text, /<p class="notice" tabindex="-1" autofocus role="status">Abonnement demandé/);
      assert.match(mainOf(page.text), new RegExp(fediHandle(b, bobPerson.handle)));
      await eventually('the Accept', async () => {
        const rows = await listFollows(a.database.db, alicePerson.handle, 'outbound');
        return rows[0]?.follow.state === 'accepted';
      });
      assert.doesNotMatch(mainOf((await alice.get('/settings/following')).text), /en attente d’acceptation/);
      await eventually('the follower count on the other instance', async () =>
        /Abonné·es de ce pseudonyme\u00a0: 1\./.test((await bob.get('/settings/following')).text),
      );

      const again = await submitForm(alice, '/settings/following', '/settings/following', {
        target: bobUrl(),
      });
      assert.equal(again.status, 303);
      assert.equal(again.headers.location, '/settings/following?done=already');

      const posted = await submitForm(bob, '/', '/posts', {
        content: 'Bonjour de l’autre ville',
        visibility: 'public',
      });
      assert.equal(posted.status, 303);
      await eventually('the post in the feed', async () =>
        /Bonjour de l’autre ville/.test((await alice.get('/feed')).text),
      );
      const feed = mainOf((await alice.get('/feed')).text);
      assert.match(feed, /<span class="badge-unverified">voix du fédivers, non vérifiée<\/span>/);
      assert.match(mainOf((await request(a.url).get('/')).text), /Bonjour de l’autre ville/);
    });

    it('the unfollow button stops following', async () => {
      const page = await alice.get('/settings/following');
      assert.match(page.text, new RegExp(`Ne plus suivre ${bobPerson.displayName}`));
      const res = await alice
        .post('/settings/following/remove')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), target: bobUrl() });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/settings/following?done=unfollowed');
      assert.deepEqual(await listFollows(a.database.db, alicePerson.handle, 'outbound'), []);
      const after = await alice.get(res.headers.location);
      assert.match(after.text, /Abonnement retiré\./);
      assert.match(after.text, /Ce pseudonyme ne suit encore aucun compte\./);
    });
  });
}
