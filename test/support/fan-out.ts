import assert from 'node:assert/strict';
import type { SimulatedFediverse } from '../../bench/simulator/index.ts';
import { type Agent, newIdentity, signUpAgent } from './api.ts';

/** A resident of the Parvis instance at `url`, signed up through the API, and their persona's actor. */
export async function residentPersona(url: string): Promise<{ agent: Agent; actorIri: string }> {
  const identity = newIdentity('town');
  const { agent } = await signUpAgent(url, identity);
  return { agent, actorIri: `${url}/users/${identity.handle}` };
}

/** Every simulated follower follows `actorIri`, and each Follow is answered with an Accept. */
export async function followFromEverywhere(sim: SimulatedFediverse, actorIri: string): Promise<void> {
  await sim.followAll(actorIri, { concurrency: 8 });
  const total = sim.followers().length;
  await sim.waitFor(() => sim.acceptedFollowers().size === total, 60_000, `${total} Accepts`);
}

/** The origins of the instances that received a `Create` of `postIri` (accepted or not). */
export function instancesWithCreate(sim: SimulatedFediverse, postIri: string): Set<string> {
  return new Set(sim.arrivals({ type: 'Create', objectId: postIri }).map((a) => a.instance));
}

/** The id of the `Create` that carried `postIri` (there is exactly one). */
export function createIdOf(sim: SimulatedFediverse, postIri: string): string {
  const ids = new Set(sim.arrivals({ type: 'Create', objectId: postIri }).map((a) => a.activityId));
  assert.equal(ids.size, 1, `one Create for ${postIri}, got ${[...ids].join(', ')}`);
  const [id] = ids;
  assert.ok(id, 'the Create has an id');
  return id;
}

/**
 * Asserts that every simulated instance took the `Create` in, each exactly once after
 * deduplication by activity id (one distinct id per instance), and only at its shared inbox.
 * Returns the raw number of accepted POSTs per instance.
 */
export function assertEveryInstanceHasIt(sim: SimulatedFediverse, postIri: string): Map<string, number> {
  const createId = createIdOf(sim, postIri);
  const raw = sim.deliveriesOf(createId);
  assert.deepEqual(
    [...raw.keys()].sort(),
    sim.instances.map((i) => i.origin).sort(),
    'every instance took the Create in',
  );
  for (const instance of sim.instances) {
    const distinct = new Set(
      sim.arrivals({ instance: instance.origin, type: 'Create', objectId: postIri }).map((a) => a.activityId),
    );
    assert.equal(distinct.size, 1, `${instance.origin}: one activity after deduplication`);
  }
  assert.deepEqual(
    sim.arrivals({ type: 'Create', shared: false }),
    [],
    'nothing went to a personal inbox: each instance is reached through its shared inbox',
  );
  return raw;
}
