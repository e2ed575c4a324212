import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { SimulatedFediverse } from '../bench/simulator/index.ts';
import { MAX_BATCH } from '../federation/outbox-batches.ts';
import { type Database, openDatabase } from '../models/db.ts';
import { type Agent, publishPost } from './support/api.ts';
import { createPostgresDatabase } from './support/databases.ts';
import {
  assertEveryInstanceHasIt,
  followFromEverywhere,
  instancesWithCreate,
  residentPersona,
} from './support/fan-out.ts';
import { queueIsEmpty } from './support/federation.ts';
import type { Spawned } from './support/identity-processes.ts';
import { freePort, tempDir } from './support/instance.ts';
import { ParvisCluster } from './support/parvis-processes.ts';

const INSTANCES = 30;
const FOLLOWERS_PER_INSTANCE = 3;
const CONCURRENCY = 4;
const LEASE_MS = 1500;
/** Each server answers this late, so that the fan-out is still going when a worker dies. */
const DELAY_MS = 1500;
/** A job that got its answer this shortly before the kill may not have been deleted yet. */
const FINISHING_MS = 500;
const QUEUE_ENV = { QUEUE_CONCURRENCY: String(CONCURRENCY), QUEUE_LEASE_MS: String(LEASE_MS) };

type KillMoment = { reached: number; inFlight: Set<string> };

/**
 * Publishes a post, and kills `victim()` with SIGKILL once some but not all servers have it
 * while at least `minPending` deliveries are held by the slowed servers (so the victim is
 * mid-delivery). Returns which servers were reached and which were in flight at that moment:
 * held unanswered, or answered within FINISHING_MS (the job may not have been deleted).
 */
async function publishAndKill(
  sim: SimulatedFediverse,
  cluster: ParvisCluster,
  agent: Agent,
  victim: Spawned,
  minPending: number,
): Promise<{ postIri: string; moment: KillMoment }> {
  for (const instance of sim.instances) instance.delay(DELAY_MS);
  const post = await publishPost(agent, 'Le conseil municipal se tiendra jeudi à 18 h');
  let moment: KillMoment | undefined;
  await sim.waitFor(
    () => {
      const reached = instancesWithCreate(sim, post.iri).size;
      const pending = sim.instances.filter((i) => i.pending > 0).length;
      if (reached < 5 || reached >= INSTANCES || pending < minPending) return false;
      // Snapshot and kill in the same tick: no delayed answer can leave the simulator in between.
      const since = Date.now() - DELAY_MS - FINISHING_MS;
      const inFlight = new Set(
        sim
          .arrivals({ type: 'Create', objectId: post.iri })
          .flatMap((a) => (a.at >= since ? [a.instance] : [])),
      );
      moment = { reached, inFlight };
      void cluster.kill(victim);
      return true;
    },
    60_000,
    `some servers but not all to have the post, ${minPending} delivery(ies) in flight`,
  );
  assert.ok(moment);
  return { postIri: post.iri, moment };
}

/** Where the fan-out stands, to explain a failure. */
function progress(sim: SimulatedFediverse, postIri: string): string {
  const arrivals = sim.arrivals({ type: 'Create', objectId: postIri });
  return [
    `${instancesWithCreate(sim, postIri).size} of ${INSTANCES} servers reached`,
    `pending: ${sim.instances.map((i) => i.pending).join(' ')}`,
    ...arrivals.map((a) => `${new Date(a.at).toISOString()} ${a.instance} ${a.status}`),
  ].join('\n');
}

/** After the take-over: every server has the post once after deduplication; duplicates only where in flight. */
function assertRecovered(sim: SimulatedFediverse, postIri: string, moment: KillMoment): void {
  const raw = assertEveryInstanceHasIt(sim, postIri);
  const duplicated = [...raw].filter(([, count]) => count > 1).map(([origin]) => origin);
  assert.ok(moment.reached < INSTANCES, 'the kill came mid fan-out');
  for (const origin of duplicated)
    assert.ok(moment.inFlight.has(origin), `${origin} got the post twice but was not in flight at the kill`);
  assert.ok(
    duplicated.length >= 1,
    'the deliveries the killed process had in flight were made again by the one that took over',
  );
  // A job is a batch of at most MAX_BATCH inboxes (federation/outbox-batches.ts), and a
  // process runs CONCURRENCY jobs at once: what it had in flight is bounded by their product.
  assert.ok(
    duplicated.length <= CONCURRENCY * MAX_BATCH,
    `at most ${CONCURRENCY * MAX_BATCH} (one process's jobs × inboxes per batch) duplicated: ${duplicated.length}`,
  );
  for (const count of raw.values()) assert.ok(count <= 2, 'no server got it more than twice');
}

describe('a SIGKILLed process mid fan-out [pglite]', function () {
  this.timeout(180_000);
  const dataDir = tempDir('parvis-fan-out-kill-');
  let sim: SimulatedFediverse;
  let cluster: ParvisCluster;

  before(async () => {
    const port = await freePort();
    cluster = new ParvisCluster(port, { DATA_DIR: dataDir, ...QUEUE_ENV });
    sim = await SimulatedFediverse.start({
      instances: INSTANCES,
      followersPerInstance: FOLLOWERS_PER_INSTANCE,
      firstAddress: '127.0.22.1',
    });
  });
  after(async () => {
    await cluster?.stop();
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a new process on the same data folder finishes the fan-out: every server has the post once', async () => {
    const first = await cluster.start('all');
    const { agent, actorIri } = await residentPersona(cluster.url);
    await followFromEverywhere(sim, actorIri);
    const { postIri, moment } = await publishAndKill(sim, cluster, agent, first, 1);

    // The folder's lock names a dead process: the new one takes it over.
    const second = await cluster.start('all');
    await sim.waitFor(
      () =>
        instancesWithCreate(sim, postIri).size === INSTANCES && sim.instances.every((i) => i.pending === 0),
      60_000,
      () => `the post on every server\n${progress(sim, postIri)}\n${cluster.output()}`,
    );
    assertRecovered(sim, postIri, moment);

    await second.stop();
    const database = await openDatabase({ kind: 'pglite', dataDir });
    try {
      assert.ok(await queueIsEmpty(database.db), 'the queue ends empty');
    } finally {
      await database.close();
    }
  });
});

// Several processes on one database need PostgreSQL (a PGlite folder has one process).
(process.env.TEST_DATABASE_URL ? describe : describe.skip)(
  'a SIGKILLed worker mid fan-out [postgres]',
  function () {
    this.timeout(180_000);
    let sim: SimulatedFediverse;
    let cluster: ParvisCluster;
    let database: Database;

    before(async () => {
      const url = await createPostgresDatabase();
      database = await openDatabase({ kind: 'postgres', url, poolMax: 2 });
      cluster = new ParvisCluster(await freePort(), { DATABASE_URL: url, ...QUEUE_ENV });
      sim = await SimulatedFediverse.start({
        instances: INSTANCES,
        followersPerInstance: FOLLOWERS_PER_INSTANCE,
        firstAddress: '127.0.23.1',
      });
    });
    after(async () => {
      await cluster?.stop();
      await sim?.close();
      await database?.close();
    });

    it('the other worker takes its jobs over: every server has the post once, duplicates only where in flight', async () => {
      const [, victim] = await Promise.all([
        cluster.start('web'),
        cluster.start('worker'),
        cluster.start('worker'),
      ]);
      const { agent, actorIri } = await residentPersona(cluster.url);
      await followFromEverywhere(sim, actorIri);
      // More deliveries held than one worker's slots: both workers are mid-delivery.
      const { postIri, moment } = await publishAndKill(sim, cluster, agent, victim, CONCURRENCY + 1);

      await sim.waitFor(
        async () =>
          instancesWithCreate(sim, postIri).size === INSTANCES &&
          sim.instances.every((i) => i.pending === 0) &&
          (await queueIsEmpty(database.db)),
        60_000,
        () => `the post on every server and an empty queue\n${progress(sim, postIri)}\n${cluster.output()}`,
      );
      assertRecovered(sim, postIri, moment);
    });
  },
);
