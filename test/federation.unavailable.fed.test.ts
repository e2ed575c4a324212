import assert from 'node:assert/strict';
import type { LogRecord } from '@logtape/logtape';
import request from 'supertest';
import { findKnownInstance } from '../models/instances.ops.ts';
import { setupLogging } from '../server/logging.ts';
import { type Agent, assertProblem, signUpAgent } from './support/api.ts';
import { forEachDatabase } from './support/databases.ts';
import {
  acceptedCreates,
  createIds,
  deliverySnapshot,
  followedFrom,
  heldDeliveries,
  hostOf,
  onlyHeldDeliveriesQueued,
  publish,
} from './support/deliveries.ts';
import { FakeMastodon } from './support/fake-mastodon.ts';
import { adminAgent, eventually, queueIsEmpty } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';
import { csrfFrom, mainOf } from './support/web.ts';

type InstanceJson = { domain: string; deliveryState: string; unavailableSince: string | null };

async function listed(admin: Agent, filter?: string): Promise<InstanceJson[]> {
  const res = await admin.get(`/api/v1/admin/instances${filter ? `?delivery=${filter}` : ''}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.instances;
}

async function stateOf(admin: Agent, m: FakeMastodon): Promise<string | undefined> {
  return (await listed(admin)).find((i) => i.domain === hostOf(m))?.deliveryState;
}

let seq = 0;
function identity(prefix: string) {
  seq += 1;
  return {
    email: `${prefix}${process.pid}_${seq}@example.org`,
    password: 'correct horse battery',
    handle: `${prefix}${seq}`,
    displayName: prefix,
  };
}

function logText(record: LogRecord): string {
  return record.message.map((part) => String(part)).join('');
}

/**
 * A follower's server that keeps failing is marked unavailable after the configured number of
 * failures: its deliveries are held (not attempted) while the other servers keep receiving;
 * after the retry delay one delivery probes it, and once it answers every held activity
 * arrives, once. Each FakeMastodon is its own host:port, so its own circuit.
 */
forEachDatabase('a follower server answering 503 for a while', (get, kind) => {
  let a: TestInstance;
  const healthy = new FakeMastodon();
  const flaky = new FakeMastodon();
  let alice: Agent;
  let admin: Agent;
  const records: LogRecord[] = [];

  before(async function () {
    this.timeout(120_000);
    await setupLogging('info', { sink: (record) => records.push(record) });
    await healthy.start();
    await flaky.start();
    a = await startTestInstance(kind, {
      database: get(),
      env: {
        FEDERATION_UNAVAILABLE_AFTER_FAILURES: '3',
        FEDERATION_FAILURE_WINDOW_MS: '120000',
        // Long enough that the check "nothing is attempted while unavailable" runs before the
        // probe, short enough for the recovery to come within the test.
        FEDERATION_RETRY_UNAVAILABLE_AFTER_MS: '8000',
      },
    });
    alice = (await signUpAgent(a.url, { ...identity('alice'), handle: 'alice' })).agent;
    await followedFrom(a, 'alice', healthy, 'hugo');
    await followedFrom(a, 'alice', flaky, 'fanny');
    admin = await adminAgent(a);
  });
  after(async () => {
    await a?.close();
    await healthy.close();
    await flaky.close();
    await setupLogging('error', { quiet: true });
  });

  it('is listed unavailable, is not attempted while the healthy server still receives, then recovers and gets every held post once', async function () {
    this.timeout(120_000);
    flaky.inboxAnswer = () => 503;
    const posts = [await publish(alice, 'Un'), await publish(alice, 'Deux'), await publish(alice, 'Trois')];
    await eventually('the failing server listed unavailable', async () =>
      (await listed(admin, 'unavailable')).some((i) => i.domain === hostOf(flaky)),
    );
    const [row] = (await listed(admin, 'unavailable')).filter((i) => i.domain === hostOf(flaky));
    assert.ok(row?.unavailableSince, 'the outage has a start');
    assert.ok(!(await listed(admin, 'unavailable')).some((i) => i.domain === hostOf(healthy)));
    const page = await admin.get('/admin/instances?delivery=unavailable');
    assert.equal(page.status, 200);
    assert.match(mainOf(page.text), new RegExp(`<th scope="row">${hostOf(flaky)}</th>`));
    assert.match(mainOf(page.text), /Indisponible : envois en attente/);
    assert.doesNotMatch(mainOf(page.text), new RegExp(hostOf(healthy)));

    // While unavailable: a new post reaches the healthy server, and its delivery to the failing
    // one is held in the queue without a request.
    const mirrorBefore = await findKnownInstance(a.ctx.db, hostOf(flaky));
    const requestsBefore = flaky.received.length;
    const fourth = await publish(alice, 'Quatre');
    posts.push(fourth);
    await eventually(
      'the healthy server gets the fourth post',
      async () => acceptedCreates(healthy, fourth) === 1,
    );
    const [fourthId] = createIds(healthy, fourth);
    await eventually('the fourth post held for the failing server', async () =>
      (await heldDeliveries(a.ctx.db, flaky)).includes(fourthId!),
    );
    const mirrorAfter = await findKnownInstance(a.ctx.db, hostOf(flaky));
    assert.equal(
      mirrorAfter?.deliveryStateChangedAt?.getTime(),
      mirrorBefore?.deliveryStateChangedAt?.getTime(),
      'the circuit did not move during the check (no probe yet)',
    );
    assert.equal(mirrorAfter?.deliveryState, 'unavailable');
    assert.equal(
      flaky.received.length,
      requestsBefore,
      'nothing was attempted against the unavailable server',
    );

    // The server answers again: after the retry delay a probe succeeds, the rest follows.
    flaky.inboxAnswer = () => 202;
    await eventually(
      'the server available again',
      async () => (await stateOf(admin, flaky)) === 'available',
      60_000,
    );
    assert.equal(
      (await findKnownInstance(a.ctx.db, hostOf(flaky)))?.unavailableSince,
      null,
      'the outage is over',
    );
    await eventually(
      'every held post delivered',
      async () => posts.every((p) => acceptedCreates(flaky, p) >= 1) && (await queueIsEmpty(a.ctx.db)),
      60_000,
    );
    for (const p of posts) {
      const ids = createIds(flaky, p);
      assert.equal(ids.length, 1, 'one activity per post');
      assert.equal(flaky.acceptedDeliveries(ids[0]!), 1, `${p} delivered exactly once`);
      assert.equal(acceptedCreates(healthy, p), 1);
    }
    const page2 = await admin.get('/admin/instances');
    assert.match(mainOf(page2.text), /Disponible/);
    assert.ok(
      records.some(
        (r) => r.level === 'warning' && logText(r).includes(hostOf(flaky)) && /unavailable/.test(logText(r)),
      ),
      'a warning names the unavailable server',
    );
    assert.ok(
      records.some(
        (r) => r.level === 'info' && logText(r).includes(hostOf(flaky)) && /available again/.test(logText(r)),
      ),
      'an info line says it is available again',
    );
  });
});

/**
 * "Retry now": with a long retry delay, an admin ends the wait for one unavailable server (API
 * or web page); only that server's held deliveries go out, once. Non-admins and bad input
 * change nothing.
 */
forEachDatabase('an admin retrying an unavailable server now', (get, kind) => {
  let a: TestInstance;
  const healthy = new FakeMastodon();
  const viaApi = new FakeMastodon();
  const viaWeb = new FakeMastodon();
  let alice: Agent;
  let admin: Agent;
  let resident: Agent;
  const posts: string[] = [];
  const records: LogRecord[] = [];

  before(async function () {
    this.timeout(120_000);
    // Errors only: the API's own check that answers match their OpenAPI declaration logs there.
    await setupLogging('error', { sink: (record) => records.push(record) });
    await healthy.start();
    await viaApi.start();
    await viaWeb.start();
    a = await startTestInstance(kind, {
      database: get(),
      env: {
        FEDERATION_UNAVAILABLE_AFTER_FAILURES: '2',
        FEDERATION_RETRY_UNAVAILABLE_AFTER_MS: '600000',
      },
    });
    alice = (await signUpAgent(a.url, { ...identity('alice'), handle: 'alice' })).agent;
    resident = (await signUpAgent(a.url, identity('res'))).agent;
    await followedFrom(a, 'alice', healthy, 'hugo');
    await followedFrom(a, 'alice', viaApi, 'anna');
    await followedFrom(a, 'alice', viaWeb, 'wanda');
    admin = await adminAgent(a);
  });
  after(async () => {
    await a?.close();
    for (const m of [healthy, viaApi, viaWeb]) await m.close();
    await setupLogging('error', { quiet: true });
  });

  it('two failing servers become unavailable and their deliveries are held', async function () {
    this.timeout(90_000);
    viaApi.inboxAnswer = () => 503;
    viaWeb.inboxAnswer = () => 503;
    posts.push(await publish(alice, 'Un'), await publish(alice, 'Deux'));
    await eventually('both listed unavailable', async () => {
      const unavailable = (await listed(admin, 'unavailable')).map((i) => i.domain);
      return unavailable.includes(hostOf(viaApi)) && unavailable.includes(hostOf(viaWeb));
    });
    const third = await publish(alice, 'Trois');
    posts.push(third);
    await eventually(
      'the healthy server gets the third post',
      async () => acceptedCreates(healthy, third) === 1,
    );
    const [thirdId] = createIds(healthy, third);
    for (const m of [viaApi, viaWeb]) {
      await eventually('the third post held', async () =>
        (await heldDeliveries(a.ctx.db, m)).includes(thirdId!),
      );
      assert.equal(createIds(m, third).length, 0, 'not attempted');
    }
    // They would answer now, but nothing tries them before the (long) retry delay.
    viaApi.inboxAnswer = () => 202;
    viaWeb.inboxAnswer = () => 202;
  });

  it('refuses visitors, residents and bad input, changing nothing', async () => {
    // Earlier retries settle first: from then on only an action could change the queue.
    await eventually('only held deliveries queued', () => onlyHeldDeliveriesQueued(a.ctx.db));
    const before = await deliverySnapshot(a.ctx.db);
    const path = `/api/v1/admin/instances/${encodeURIComponent(hostOf(viaApi))}/retry-deliveries`;
    const anonymous = request(a.url);
    assertProblem(await anonymous.get('/api/v1/admin/instances'), 401);
    assertProblem(await anonymous.post(path), 401);
    assertProblem(await resident.get('/api/v1/admin/instances?delivery=unavailable'), 403);
    assertProblem(await resident.post(path), 403);
    assertProblem(await admin.get('/api/v1/admin/instances?delivery=sometimes'), 400);
    assertProblem(await admin.post('/api/v1/admin/instances/nowhere.example/retry-deliveries'), 404);
    assertProblem(
      await admin.post(`/api/v1/admin/instances/${encodeURIComponent('bad host!')}/retry-deliveries`),
      400,
    );
    assertProblem(
      await admin.post(`/api/v1/admin/instances/${encodeURIComponent('x@y')}/retry-deliveries`),
      400,
    );
    const available = await admin.post(
      `/api/v1/admin/instances/${encodeURIComponent(hostOf(healthy))}/retry-deliveries`,
    );
    assertProblem(available, 409);

    // The web page: residents get the 403 page, even with a valid form token.
    const own = await resident.get('/settings/account');
    const forged = await resident
      .post(`/admin/instances/${encodeURIComponent(hostOf(viaWeb))}/retry`)
      .type('form')
      .send({ _csrf: csrfFrom(own.text) });
    assert.equal(forged.status, 403);
    assert.equal((await resident.get('/admin/instances')).status, 403);
    const page = await admin.get('/admin/instances');
    const token = csrfFrom(page.text);
    const unknown = await admin
      .post('/admin/instances/nowhere.example/retry')
      .type('form')
      .send({ _csrf: token });
    assert.equal(unknown.status, 404);
    const malformed = await admin
      .post(`/admin/instances/${encodeURIComponent('bad host!')}/retry`)
      .type('form')
      .send({ _csrf: token });
    assert.equal(malformed.status, 400);
    assert.match(mainOf(malformed.text), /Ce n’est pas un nom de serveur/);
    assert.equal(await deliverySnapshot(a.ctx.db), before, 'nothing changed');
  });

  it('retry now through the API: that server alone gets its held posts, once, and is available again', async function () {
    this.timeout(90_000);
    const res = await admin.post(
      `/api/v1/admin/instances/${encodeURIComponent(hostOf(viaApi))}/retry-deliveries`,
    );
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.instance.domain, hostOf(viaApi));
    assert.ok(res.body.released >= posts.length, `released ${res.body.released}`);
    await eventually(
      'the server available again',
      async () => (await stateOf(admin, viaApi)) === 'available',
    );
    await eventually('its held posts delivered', async () =>
      posts.every((p) => acceptedCreates(viaApi, p) >= 1),
    );
    for (const p of posts) assert.equal(acceptedCreates(viaApi, p), 1, `${p} delivered exactly once`);
    // The other unavailable server still waits for its own retry.
    assert.equal(await stateOf(admin, viaWeb), 'unavailable');
    assert.ok(posts.every((p) => acceptedCreates(viaWeb, p) === 0));
    assertProblem(
      await admin.post(`/api/v1/admin/instances/${encodeURIComponent(hostOf(viaApi))}/retry-deliveries`),
      409,
    );
  });

  it('retry now from the web page, which lists the unavailable server with its state in words', async function () {
    this.timeout(90_000);
    const page = await admin.get('/admin/instances?delivery=unavailable');
    assert.equal(page.status, 200);
    const main = mainOf(page.text);
    assert.match(main, /<caption id="instances-caption">Serveurs dont les envois sont en attente<\/caption>/);
    assert.match(main, /<th scope="col">Envois<\/th>/);
    assert.match(main, new RegExp(`<th scope="row">${hostOf(viaWeb)}</th>`));
    assert.match(main, /Indisponible : envois en attente/);
    assert.doesNotMatch(main, new RegExp(hostOf(viaApi)));
    assert.match(
      page.text,
      /href="\/admin\/instances\?delivery=unavailable&amp;lang=en"/,
      'English keeps the filter',
    );
    const action = `/admin/instances/${encodeURIComponent(hostOf(viaWeb))}/retry`;
    assert.ok(main.includes(`action="${action}"`), 'a retry button for the server');
    const res = await admin
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    assert.equal(res.status, 303);
    const after = await admin.get(res.headers.location!);
    assert.match(mainOf(after.text), new RegExp(`Les envois vers ${hostOf(viaWeb)} sont relancés`));
    await eventually(
      'the server available again',
      async () => (await stateOf(admin, viaWeb)) === 'available',
    );
    await eventually(
      'its held posts delivered',
      async () => posts.every((p) => acceptedCreates(viaWeb, p) >= 1) && (await queueIsEmpty(a.ctx.db)),
    );
    for (const p of posts) assert.equal(acceptedCreates(viaWeb, p), 1, `${p} delivered exactly once`);
    assert.deepEqual(await listed(admin, 'unavailable'), []);
    const apiErrors = records.filter((r) => r.category.join('.') === 'parvis.api');
    assert.deepEqual(apiErrors.map(logText), [], 'every API answer matched its OpenAPI declaration');
  });
});
