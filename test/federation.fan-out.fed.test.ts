import assert from 'node:assert/strict';
import { SimulatedFediverse } from '../bench/simulator/index.ts';
import { publishPost } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import {
  assertEveryInstanceHasIt,
  createIdOf,
  followFromEverywhere,
  instancesWithCreate,
  residentPersona,
} from './support/fan-out.ts';
import { queueIsEmpty } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

const INSTANCES = 30;
const FOLLOWERS_PER_INSTANCE = 3;

for (const kind of databaseKinds()) {
  describe(`fan-out of a post to followers on ${INSTANCES} simulated servers [${kind}]`, function () {
    this.timeout(120_000);
    let parvis: TestInstance;
    let sim: SimulatedFediverse;

    before(async () => {
      [parvis, sim] = await Promise.all([
        startTestInstance(kind),
        SimulatedFediverse.start({
          instances: INSTANCES,
          followersPerInstance: FOLLOWERS_PER_INSTANCE,
          firstAddress: kind === 'pglite' ? '127.0.20.1' : '127.0.21.1',
        }),
      ]);
    });
    after(async () => {
      await Promise.all([parvis?.close(), sim?.close()]);
    });

    it('one post makes exactly one POST per server, to its shared inbox', async () => {
      const { agent, actorIri } = await residentPersona(parvis.url);
      await followFromEverywhere(sim, actorIri);
      const post = await publishPost(agent, 'Réunion publique sur le budget participatif');

      await sim.waitFor(
        () => instancesWithCreate(sim, post.iri).size === INSTANCES,
        60_000,
        'the Create on every server',
      );
      await sim.waitFor(() => queueIsEmpty(parvis.database.db), 60_000, 'an empty queue');
      const raw = assertEveryInstanceHasIt(sim, post.iri);
      assert.deepEqual(
        [...raw.values()],
        Array(INSTANCES).fill(1),
        'no server got the Create twice, though each has three followers',
      );
      assert.equal(
        sim.arrivals({ activityId: createIdOf(sim, post.iri) }).length,
        INSTANCES,
        'and no failed try',
      );
    });
  });
}
