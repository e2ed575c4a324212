import assert from 'node:assert/strict';
import { SimulatedFediverse } from '../bench/simulator/index.ts';
import { type Database, openDatabase } from '../models/db.ts';
import { type Agent, publishPost } from './support/api.ts';
import { createPostgresDatabase } from './support/databases.ts';
import {
  assertEveryInstanceHasIt,
  createIdOf,
  followFromEverywhere,
  instancesWithCreate,
  residentPersona,
} from './support/fan-out.ts';
import { queueIsEmpty } from './support/federation.ts';
import { freePort } from './support/instance.ts';
import { ParvisCluster } from './support/parvis-processes.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

const INSTANCES = 30;
const FOLLOWERS_PER_INSTANCE = 3;
const CONCURRENCY = 4;
const DELAY_MS = 1000;
const OUTAGE_MS = 3000;

// Connections to cut exist only with a PostgreSQL server: PGlite runs inside the Parvis process.
(process.env.TEST_DATABASE_URL ? describe : describe.skip)(
  'database connections cut mid fan-out [postgres]',
  function () {
    this.timeout(180_000);
    let sim: SimulatedFediverse;
    let cluster: ParvisCluster;
    let direct: Database;
    let proxy: TcpProxy;
    let agent: Agent;

    before(async () => {
      const url = new URL(await createPostgresDatabase());
      direct = await openDatabase({ kind: 'postgres', url: url.href, poolMax: 2 });
      proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
      await proxy.up();
      url.host = `127.0.0.1:${proxy.port}`;
      // The Parvis process reaches PostgreSQL only through the proxy; this test reads it directly.
      cluster = new ParvisCluster(await freePort(), {
        DATABASE_URL: url.href,
        QUEUE_CONCURRENCY: String(CONCURRENCY),
        QUEUE_LEASE_MS: '2000',
      });
      sim = await SimulatedFediverse.start({
        instances: INSTANCES,
        followersPerInstance: FOLLOWERS_PER_INSTANCE,
        firstAddress: '127.0.24.1',
      });
      await cluster.start('all');
      // One persona followed from every server, for both cases.
      const resident = await residentPersona(cluster.url);
      agent = resident.agent;
      await followFromEverywhere(sim, resident.actorIri);
    });
    after(async () => {
      await proxy?.up();
      await cluster?.stop();
      await proxy?.down();
      await sim?.close();
      await direct?.close();
    });

    it('a cut of a few seconds mid fan-out: delivery resumes, every server has the post, the queue ends empty', async () => {
      for (const instance of sim.instances) instance.delay(DELAY_MS);
      const post = await publishPost(agent, 'Travaux rue de la République : réunion d’information');

      await sim.waitFor(() => instancesWithCreate(sim, post.iri).size >= 5, 60_000, 'the fan-out to start');
      await proxy.down();
      const reachedAtCut = instancesWithCreate(sim, post.iri).size;
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      const reachedAtReopen = instancesWithCreate(sim, post.iri).size;
      await proxy.up();
      assert.ok(
        reachedAtReopen < INSTANCES,
        `the cut came mid fan-out (${reachedAtCut} servers reached at the cut, ${reachedAtReopen} after it)`,
      );
      assert.ok(
        reachedAtReopen - reachedAtCut <= CONCURRENCY,
        'while the database was out of reach, only deliveries already claimed went out',
      );

      await sim.waitFor(
        async () =>
          instancesWithCreate(sim, post.iri).size === INSTANCES &&
          sim.instances.every((i) => i.pending === 0) &&
          (await queueIsEmpty(direct.db)),
        90_000,
        () =>
          `the post on every server and an empty queue (${instancesWithCreate(sim, post.iri).size} reached)\n${cluster.output()}`,
      );
      const raw = assertEveryInstanceHasIt(sim, post.iri);
      const duplicated = [...raw.values()].filter((count) => count > 1).length;
      assert.ok(duplicated <= CONCURRENCY, `at most the jobs in flight ran twice: ${duplicated}`);
    });

    it('deliveries that fail while the database is away (their retry cannot be stored) are not lost', async () => {
      // Every server takes the POST in and never answers: the first deliveries hang in flight.
      for (const instance of sim.instances) instance.hang();
      const post = await publishPost(agent, 'Conseil de quartier : ordre du jour');
      await sim.waitFor(
        () => sim.instances.reduce((n, i) => n + i.pending, 0) >= CONCURRENCY,
        60_000,
        'every queue slot to hold a hanging delivery',
      );
      await proxy.down();
      // The held connections break: those deliveries fail while nothing can be written, not
      // even the retry Fedify schedules for them.
      for (const instance of sim.instances) instance.ok();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await proxy.up();

      await sim.waitFor(
        async () =>
          sim.arrivals({ type: 'Create', objectId: post.iri }).length > 0 &&
          sim.deliveriesOf(createIdOf(sim, post.iri)).size === INSTANCES &&
          (await queueIsEmpty(direct.db)),
        90_000,
        () =>
          `the post on every server and an empty queue (${instancesWithCreate(sim, post.iri).size} reached)\n${cluster.output()}`,
      );
      assertEveryInstanceHasIt(sim, post.iri);
    });
  },
);
