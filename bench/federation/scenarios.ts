import { randomUUID } from 'node:crypto';
import type { Arrival } from '../simulator/arrivals.ts';
import type { SimulatedActor } from '../simulator/documents.ts';
import type { PreparedRequest, SendResult } from '../simulator/signing.ts';
import { type CpuUse, meterCpu } from './cpu-meter.ts';
import { type MemorySample, sampleMemory } from './memory-sampler.ts';
import type { Target } from './target.ts';

/** What the scenarios use of the simulator (bench/simulator/). */
export type Fediverse = {
  readonly instances: readonly { readonly origin: string; readonly followers: readonly SimulatedActor[] }[];
  prepareSigned(actor: SimulatedActor, inboxUrl: string, activity: Record<string, unknown>): PreparedRequest;
  send(prepared: PreparedRequest): Promise<SendResult>;
  arrivals(filter?: { type?: string; activityId?: string; actor?: string }): Arrival[];
  deliveriesOf(activityId: string): Map<string, number>;
};

const AS = 'https://www.w3.org/ns/activitystreams';

export type Limits = {
  /** Requests the simulated followers send at once. */
  concurrency: number;
  /** The longest any one phase may take before it is reported as unfinished. */
  phaseTimeoutMs: number;
};

export type SendStats = {
  sent: number;
  /** 2xx answers (after retries of 503/429, which are counted apart). */
  accepted: number;
  busyRetries: number;
  failures: Record<string, number>;
  /** From the first request to the last 2xx answer. */
  ms: number;
};

/**
 * Sends prepared requests with at most `concurrency` in flight. A 503 or 429 (the inbox is
 * saturated) is retried after a short pause, at most 20 times per request; the send phase ends
 * at `deadline` whatever is left.
 */
async function sendAll(sim: Fediverse, prepared: PreparedRequest[], limits: Limits): Promise<SendStats> {
  const stats: SendStats = { sent: prepared.length, accepted: 0, busyRetries: 0, failures: {}, ms: 0 };
  const started = performance.now();
  const deadline = Date.now() + limits.phaseTimeoutMs;
  let lastAccepted = started;
  let next = 0;
  const fail = (why: string) => {
    stats.failures[why] = (stats.failures[why] ?? 0) + 1;
  };
  const lane = async () => {
    while (next < prepared.length && Date.now() < deadline) {
      const request = prepared[next++] as PreparedRequest;
      for (let attempt = 0; attempt < 20 && Date.now() < deadline; attempt++) {
        let result: SendResult;
        try {
          result = await sim.send(request);
        } catch (error) {
          fail((error as Error).message.replace(/https?:\S+/g, 'URL'));
          break;
        }
        if (result.status >= 200 && result.status < 300) {
          stats.accepted++;
          lastAccepted = performance.now();
          break;
        }
        if (result.status === 503 || result.status === 429) {
          stats.busyRetries++;
          await sleep(Math.min(1000, 50 * 2 ** attempt));
          continue;
        }
        fail(`HTTP ${result.status}`);
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limits.concurrency, prepared.length) }, lane));
  stats.ms = lastAccepted - started;
  return stats;
}

/** Polls `count` every `everyMs` until it reaches `want` or `deadline`; returns the last value. */
async function until(count: () => number | Promise<number>, want: number, deadline: number, everyMs = 50) {
  let value = await count();
  while (value < want && Date.now() < deadline) {
    await sleep(everyMs);
    value = await count();
  }
  return value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type FollowResult = {
  follows: number;
  send: SendStats;
  accepts: number;
  /** From the first Follow sent to the last Accept arriving at the simulator. */
  msToLastAccept: number;
  perSecond: number;
  cpu: CpuUse;
  finished: boolean;
};

/** (1) Every simulated follower follows the town hall; Follows are signed before the clock starts. */
export async function benchFollows(sim: Fediverse, target: Target, limits: Limits): Promise<FollowResult> {
  const actors = sim.instances.flatMap((i) => i.followers);
  const inbox = `${target.townHall}/inbox`;
  const tag = randomUUID();
  const followIds = new Set<string>();
  const prepared = actors.map((actor) => {
    const id = `${actor.id}#follows/${tag}`;
    followIds.add(id);
    return sim.prepareSigned(actor, inbox, {
      '@context': AS,
      id,
      type: 'Follow',
      actor: actor.id,
      object: target.townHall,
    });
  });
  const ours = () =>
    sim
      .arrivals({ type: 'Accept', actor: target.townHall })
      .filter((a) => a.objectId && followIds.has(a.objectId));
  const accepted = () => new Set(ours().map((a) => a.objectId)).size;
  const cpu = await meterCpu(target);
  const started = Date.now();
  const send = await sendAll(sim, prepared, limits);
  const accepts = await until(accepted, followIds.size, started + limits.phaseTimeoutMs, 200);
  const cpuUse = await cpu.stop();
  const last = Math.max(started, ...ours().map((a) => a.at));
  return {
    follows: followIds.size,
    send,
    accepts,
    msToLastAccept: last - started,
    perSecond: accepts / ((last - started) / 1000),
    cpu: cpuUse,
    finished: accepts === followIds.size,
  };
}

export type PostResult = {
  activityId: string;
  objectIri: string;
  instances: number;
  reached: number;
  /** From the API call to the first arrival at a simulated inbox (publishing and fan-out). */
  msToFirstArrival: number;
  /** From the API call to the last arrival at a simulated inbox. */
  msToLastArrival: number;
  /** Requests per instance, counted after a quiet period, so duplicates show. */
  requestsPerInstance: { min: number; max: number };
  personalInboxRequests: number;
  memory: MemorySample[];
  cpu: CpuUse;
  finished: boolean;
};

/** (2) One post by the town hall to every follower; the delivering processes' RSS sampled throughout. */
export async function benchPost(
  sim: Fediverse,
  target: Target,
  limits: Limits & { settleMs: number },
): Promise<PostResult> {
  const instances = sim.instances.map((i) => i.origin);
  const sampler = sampleMemory(target.workerPids());
  const cpu = await meterCpu(target);
  const started = Date.now();
  const { activityId, objectIri } = await target.publish(
    `Travaux place de l'Église du 3 au 14 mars : la circulation est déviée par la rue des Écoles. ${randomUUID()}`,
  );
  const reached = await until(
    () => sim.deliveriesOf(activityId).size,
    instances.length,
    started + limits.phaseTimeoutMs,
    20,
  );
  const cpuUse = await cpu.stop();
  const arrivals = sim.arrivals({ activityId });
  const last = Math.max(started, ...arrivals.map((a) => a.at));
  const first = Math.min(last, ...arrivals.map((a) => a.at));
  await sleep(limits.settleMs);
  const memory = sampler.stop();
  const counts = sim.deliveriesOf(activityId);
  const perInstance = instances.map((o) => counts.get(o) ?? 0);
  return {
    activityId,
    objectIri,
    instances: instances.length,
    reached,
    msToFirstArrival: first - started,
    msToLastArrival: last - started,
    requestsPerInstance: { min: Math.min(...perInstance), max: Math.max(...perInstance) },
    personalInboxRequests: sim.arrivals({ activityId }).filter((a) => a.path !== '/inbox').length,
    memory,
    cpu: cpuUse,
    finished: reached === instances.length,
  };
}

export type BurstResult = {
  activities: number;
  send: SendStats;
  acceptedPerSecond: number;
  processed: number;
  /** From the first request to the processed count (API or stats) showing every activity. */
  msToProcessed: number;
  processedPerSecond: number;
  cpu: CpuUse;
  finished: boolean;
};

/** (3) `count` distinct followers like the town hall's post at once, through its shared inbox. */
export async function benchInboxBurst(
  sim: Fediverse,
  target: Target,
  objectIri: string,
  count: number,
  limits: Limits,
): Promise<BurstResult> {
  // One follower per instance first, then the second of each, and so on: distinct actors.
  const byInstance = sim.instances.map((i) => i.followers);
  const depth = Math.max(...byInstance.map((f) => f.length));
  const actors: SimulatedActor[] = [];
  for (let d = 0; d < depth && actors.length < count; d++) {
    for (const followers of byInstance) {
      const actor = followers[d];
      if (actor && actors.length < count) actors.push(actor);
    }
  }
  const inbox = `${target.origin}/inbox`;
  const tag = randomUUID();
  const prepared = actors.map((actor) =>
    sim.prepareSigned(actor, inbox, {
      '@context': AS,
      id: `${actor.id}#likes/${tag}`,
      type: 'Like',
      actor: actor.id,
      object: objectIri,
    }),
  );
  const before = await target.likesProcessed(objectIri);
  const cpu = await meterCpu(target);
  const started = performance.now();
  const send = await sendAll(sim, prepared, limits);
  const deadline = Date.now() + limits.phaseTimeoutMs;
  const processed = await until(
    async () => (await target.likesProcessed(objectIri)) - before,
    actors.length,
    deadline,
    100,
  );
  const ms = performance.now() - started;
  const cpuUse = await cpu.stop();
  return {
    activities: actors.length,
    send,
    acceptedPerSecond: send.accepted / (send.ms / 1000),
    processed,
    msToProcessed: ms,
    processedPerSecond: processed / (ms / 1000),
    cpu: cpuUse,
    finished: processed >= actors.length,
  };
}
