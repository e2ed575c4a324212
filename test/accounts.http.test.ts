import assert from 'node:assert/strict';
import { eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { findAccountByEmail } from '../models/accounts.ops.ts';
import { accounts } from '../models/schema/index.ts';
import { loadSession } from '../models/sessions.ops.ts';
import { assertProblem, countRows, newIdentity, sessionIdOf, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

for (const kind of databaseKinds()) {
  describe(`accounts and sessions API [${kind}]`, () => {
    let instance: TestInstance;
    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind, { env: { LOGIN_RATE_LIMIT: '3' } });
    });
    after(async () => {
      await instance?.close();
    });
    const db = () => instance.database.db;

    it('sign-up creates the account and its first persona, active, and logs in', async () => {
      const { agent, identity } = await signUpAgent(instance.url);
      const me = await agent.get('/api/v1/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.email, identity.email);
      assert.equal(me.body.role, 'resident');
      assert.equal(me.body.activePersona, identity.handle);
      assert.deepEqual(
        me.body.personas.map((p: { handle: string; active: boolean }) => [p.handle, p.active]),
        [[identity.handle, true]],
      );
      const session = await agent.get('/api/v1/session');
      assert.deepEqual(session.body, {
        authenticated: true,
        role: 'resident',
        activePersona: identity.handle,
      });
    });

    it('sign-up with an e-mail already used is refused with 409 and creates nothing', async () => {
      const { identity } = await signUpAgent(instance.url);
      const before = [await countRows(db(), 'accounts'), await countRows(db(), 'handles')];
      const again = { ...newIdentity(), email: identity.email.toUpperCase() };
      const res = await request(instance.url).post('/api/v1/accounts').send(again);
      const problem = assertProblem(res, 409);
      assert.deepEqual(
        problem.errors?.map((e) => e.field),
        ['email'],
      );
      assert.deepEqual([await countRows(db(), 'accounts'), await countRows(db(), 'handles')], before);
      // The handle of the refused sign-up was not reserved.
      await signUpAgent(instance.url, { ...newIdentity(), handle: again.handle });
    });

    it('sign-up with a handle already used is refused with 409 and creates no account', async () => {
      const { identity } = await signUpAgent(instance.url);
      const before = await countRows(db(), 'accounts');
      const other = { ...newIdentity(), handle: `@${identity.handle.toUpperCase()}` };
      const problem = assertProblem(await request(instance.url).post('/api/v1/accounts').send(other), 409);
      assert.deepEqual(
        problem.errors?.map((e) => e.field),
        ['handle'],
      );
      assert.equal(await countRows(db(), 'accounts'), before);
      assert.equal(await findAccountByEmail(db(), other.email), undefined);
    });

    it('malformed sign-up bodies get 400 problem+json listing the fields, and nothing is written', async () => {
      const before = [await countRows(db(), 'accounts'), await countRows(db(), 'personas')];
      const good = newIdentity();
      const cases: [unknown, string[]][] = [
        [{}, ['email', 'password', 'handle', 'displayName']],
        [{ ...good, email: 'not-an-email' }, ['email']],
        [{ ...good, password: 'short' }, ['password']],
        [{ ...good, handle: 'No Spaces!' }, ['handle']],
        [{ ...good, displayName: '   ' }, ['displayName']],
        [{ ...good, displayName: 42 }, ['displayName']],
        [{ ...good, role: 'admin' }, ['(body)']],
        [[good], ['(body)']],
      ];
      for (const [body, fields] of cases) {
        const res = await request(instance.url)
          .post('/api/v1/accounts')
          .send(body as object);
        const problem = assertProblem(res, 400);
        assert.deepEqual(
          problem.errors?.map((e) => e.field).sort(),
          [...fields].sort(),
          JSON.stringify(body),
        );
      }
      const broken = await request(instance.url)
        .post('/api/v1/accounts')
        .set('Content-Type', 'application/json')
        .send('{"email": ');
      assertProblem(broken, 400);
      assert.deepEqual([await countRows(db(), 'accounts'), await countRows(db(), 'personas')], before);
    });

    it('an unknown field is rejected (400), never silently ignored', async () => {
      const res = await request(instance.url)
        .post('/api/v1/accounts')
        .send({ ...newIdentity(), isAdmin: true });
      const problem = assertProblem(res, 400);
      assert.match(JSON.stringify(problem.errors), /isAdmin/);
    });

    it('writes that are not JSON get 415 and change nothing', async () => {
      const before = await countRows(db(), 'accounts');
      const identity = newIdentity();
      const form = await request(instance.url).post('/api/v1/accounts').type('form').send(identity);
      assertProblem(form, 415);
      const text = await request(instance.url)
        .post('/api/v1/accounts')
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(identity));
      assertProblem(text, 415);
      assert.equal(await countRows(db(), 'accounts'), before);
    });

    it('logs in with the right password, and out: logging out deletes the session row', async () => {
      const { identity } = await signUpAgent(instance.url);
      const agent = request.agent(instance.url);
      const login = await agent
        .post('/api/v1/session')
        .send({ email: identity.email, password: identity.password });
      assert.equal(login.status, 200);
      assert.equal(login.body.authenticated, true);
      const sid = sessionIdOf(login.headers['set-cookie']);
      assert.ok(await loadSession(db(), sid), 'the session is stored in the database');
      assert.equal((await agent.get('/api/v1/me')).status, 200);

      assert.equal((await agent.delete('/api/v1/session')).status, 204);
      assert.equal(await loadSession(db(), sid), undefined);
      assertProblem(await agent.get('/api/v1/me'), 401);
      assert.deepEqual((await agent.get('/api/v1/session')).body, { authenticated: false });
    });

    it('a wrong password and an unknown e-mail get the same 401 answer', async () => {
      const { identity } = await signUpAgent(instance.url);
      const wrong = await request(instance.url)
        .post('/api/v1/session')
        .send({ email: identity.email, password: 'not the password' });
      const unknown = await request(instance.url)
        .post('/api/v1/session')
        .send({ email: `nobody-${identity.email}`, password: 'not the password' });
      assertProblem(wrong, 401);
      assertProblem(unknown, 401);
      assert.deepEqual(wrong.body, unknown.body);
      assert.equal(wrong.headers['set-cookie'], undefined);
    });

    it('too many failed logins for one e-mail get 429 with Retry-After, even with the right password', async () => {
      const { identity } = await signUpAgent(instance.url);
      for (let i = 0; i < 3; i++) {
        const res = await request(instance.url)
          .post('/api/v1/session')
          .send({ email: identity.email, password: `wrong ${i}` });
        assertProblem(res, 401);
      }
      const blocked = await request(instance.url)
        .post('/api/v1/session')
        .send({ email: identity.email, password: identity.password });
      assertProblem(blocked, 429);
      assert.match(blocked.headers['retry-after'] ?? '', /^\d+$/);
      assert.ok(Number(blocked.headers['retry-after']) > 0);
    });

    it('an unknown e-mail is limited exactly like a known one', async () => {
      const email = newIdentity().email;
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        const res = await request(instance.url).post('/api/v1/session').send({ email, password: 'whatever' });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
    });

    it('successful logins do not count against the limit', async () => {
      const { identity } = await signUpAgent(instance.url);
      for (let i = 0; i < 5; i++) {
        const res = await request(instance.url)
          .post('/api/v1/session')
          .send({ email: identity.email, password: identity.password });
        assert.equal(res.status, 200);
      }
    });

    it('the rate-limit table stores neither the e-mail nor the address in clear', async () => {
      const result = (await db().execute(sql`SELECT key FROM rate_limits`)) as unknown as {
        rows: { key: string }[];
      };
      assert.ok(result.rows.length > 0);
      for (const { key } of result.rows) {
        assert.doesNotMatch(key, /@|example\.org|127\.0\.0\.1/);
      }
    });

    it('changing the password needs the current one and logs out the other sessions', async () => {
      const { agent, identity } = await signUpAgent(instance.url);
      const other = request.agent(instance.url);
      await other
        .post('/api/v1/session')
        .send({ email: identity.email, password: identity.password })
        .expect(200);

      const missing = await agent.patch('/api/v1/me').send({ newPassword: 'a brand new password' });
      assert.deepEqual(
        assertProblem(missing, 400).errors?.map((e) => e.field),
        ['currentPassword'],
      );
      const wrong = await agent
        .patch('/api/v1/me')
        .send({ currentPassword: 'not it at all', newPassword: 'a brand new password' });
      assertProblem(wrong, 403);
      assert.equal((await other.get('/api/v1/me')).status, 200, 'a refused change logs nobody out');

      const ok = await agent
        .patch('/api/v1/me')
        .send({ currentPassword: identity.password, newPassword: 'a brand new password' });
      assert.equal(ok.status, 200);
      assert.equal((await agent.get('/api/v1/me')).status, 200, 'the session that changed it stays');
      assertProblem(await other.get('/api/v1/me'), 401);
      await request(instance.url)
        .post('/api/v1/session')
        .send({ email: identity.email, password: 'a brand new password' })
        .expect(200);
    });

    it('the language is a setting of the account', async () => {
      const { agent } = await signUpAgent(instance.url);
      const res = await agent.patch('/api/v1/me').send({ language: 'en' });
      assert.equal(res.status, 200);
      assert.equal(res.body.language, 'en');
      assertProblem(await agent.patch('/api/v1/me').send({ language: 'de' }), 400);
      assert.equal((await agent.get('/api/v1/me')).body.language, 'en');
    });

    it('answers carrying the e-mail or the session are never cached', async () => {
      const { agent } = await signUpAgent(instance.url);
      for (const path of ['/api/v1/me', '/api/v1/me/personas', '/api/v1/session']) {
        const res = await agent.get(path);
        assert.equal(res.status, 200);
        assert.match(res.headers['cache-control'] ?? '', /no-store/, path);
      }
      const signUp = await request(instance.url).post('/api/v1/accounts').send(newIdentity());
      assert.match(signUp.headers['cache-control'] ?? '', /no-store/);
    });

    it('a suspended account loses its sessions and cannot log in; a wrong password still says only 401', async () => {
      const { agent, identity } = await signUpAgent(instance.url);
      await db().update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.email, identity.email));
      assertProblem(await agent.get('/api/v1/me'), 401);
      const right = await request(instance.url)
        .post('/api/v1/session')
        .send({ email: identity.email, password: identity.password });
      assertProblem(right, 403);
      const wrong = await request(instance.url)
        .post('/api/v1/session')
        .send({ email: identity.email, password: 'not the password' });
      assertProblem(wrong, 401);
    });

    it('/me and logging out need a session', async () => {
      assertProblem(await request(instance.url).get('/api/v1/me'), 401);
      assertProblem(await request(instance.url).patch('/api/v1/me').send({ language: 'en' }), 401);
      assertProblem(await request(instance.url).delete('/api/v1/session'), 401);
    });
  });
}

for (const kind of databaseKinds()) {
  describe(`login rate limit per client address [${kind}]`, () => {
    let instance: TestInstance;
    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind, { env: { LOGIN_RATE_LIMIT: '1' } });
    });
    after(async () => {
      await instance?.close();
    });

    it('one address trying many e-mails is stopped with 429 after five times the per-e-mail limit', async () => {
      const statuses = [];
      for (let i = 0; i < 6; i++) {
        const res = await request(instance.url)
          .post('/api/v1/session')
          .send({ email: newIdentity().email, password: 'whatever' });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
    });
  });
}
