import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loopbackAddresses } from './addresses.ts';
import { type Arrival, type ArrivalFilter, ArrivalLog } from './arrivals.ts';
import { makeActor, type SimulatedActor } from './documents.ts';
import { type Answer, SimulatedInstance, write } from './instance.ts';
import { type KeyPool, loadKeyPool } from './key-pool.ts';
import { answerGet, readActivity, SignatureChecker, signatureKind } from './routes.ts';
import { type PreparedRequest, Sender, type SendResult, signPost } from './signing.ts';

export type SimulatorOptions = {
  instances: number;
  followersPerInstance: number;
  /** One port for every instance; a free one by default. */
  port?: number;
  /** The first loopback address (default 127.0.1.1); the next ones follow it. */
  firstAddress?: string;
  /** Verify each inbox POST's HTTP signature with Fedify's `verifyRequest` (401 when it fails). */
  verifySignatures?: boolean;
  /** Where the key pool is cached (default `bench/.cache`). */
  keyCacheDir?: string;
  /** Called while missing keys are generated (every 500 keys). */
  onKeyProgress?: (generated: number, missing: number) => void;
};

const ACTIVITYSTREAMS = 'https://www.w3.org/ns/activitystreams';
const MAX_BODY_BYTES = 2_000_000;

/**
 * A small fediverse of our own on loopback addresses: N instances with M followers each, every
 * follower a real actor with its own RSA key, inboxes that record what they receive, switchable
 * faults per instance, and a client side that signs and sends as Mastodon does.
 */
export class SimulatedFediverse {
  readonly instances: SimulatedInstance[] = [];
  readonly keys: KeyPool;
  readonly #byAddress = new Map<string, SimulatedInstance>();
  readonly #log = new ArrivalLog();
  /** Follow id → follower id, to recognise the Accept that answers it. */
  readonly #follows = new Map<string, string>();
  readonly #accepted = new Set<string>();
  readonly #inboxes = new Map<string, Promise<string>>();
  readonly #sender = new Sender();
  readonly #checker: SignatureChecker | undefined;

  private constructor(keys: KeyPool, verifySignatures: boolean) {
    this.keys = keys;
    this.#checker = verifySignatures ? new SignatureChecker() : undefined;
  }

  static async start(options: SimulatorOptions): Promise<SimulatedFediverse> {
    const { instances, followersPerInstance } = options;
    if (!Number.isInteger(instances) || instances < 1)
      throw new RangeError(`bad instance count ${instances}`);
    if (!Number.isInteger(followersPerInstance) || followersPerInstance < 0)
      throw new RangeError(`bad follower count ${followersPerInstance}`);
    const keys = await loadKeyPool(instances * followersPerInstance, {
      ...(options.keyCacheDir ? { cacheDir: options.keyCacheDir } : {}),
      ...(options.onKeyProgress ? { onProgress: options.onKeyProgress } : {}),
    });
    const fediverse = new SimulatedFediverse(keys, options.verifySignatures ?? false);
    const addresses = loopbackAddresses(instances, options.firstAddress);
    // Without a fixed port, a port free on the first address may be taken on another: try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await fediverse.#listen(addresses, options.port);
        break;
      } catch (error) {
        await fediverse.#closeServers();
        if (options.port !== undefined || attempt === 5 || !isAddressInUse(error)) throw error;
      }
    }
    for (const instance of fediverse.instances)
      for (let n = 1; n <= followersPerInstance; n++)
        instance.followers.push(
          makeActor(instance.origin, `user${n}`, instance.index * followersPerInstance + n - 1),
        );
    return fediverse;
  }

  /** Every follower of every instance, instance by instance. */
  followers(): SimulatedActor[] {
    return this.instances.flatMap((i) => i.followers);
  }

  instance(origin: string): SimulatedInstance | undefined {
    return this.instances.find((i) => i.origin === origin);
  }

  arrivals(filter?: ArrivalFilter): Arrival[] {
    return this.#log.list(filter);
  }

  /** Per instance origin, how many accepted POSTs carried `activityId` (duplicates counted). */
  deliveriesOf(activityId: string): Map<string, number> {
    return this.#log.deliveriesOf(activityId);
  }

  /** The followers whose Follow got an Accept. */
  acceptedFollowers(): Set<string> {
    return new Set(this.#accepted);
  }

  clearArrivals(): void {
    this.#log.clear();
  }

  /** A signed POST of `activity` by `actor` to `inboxUrl`, to send now or later. */
  prepareSigned(actor: SimulatedActor, inboxUrl: string, activity: Record<string, unknown>): PreparedRequest {
    return signPost(actor.keyId, this.keys.privateDer(actor.keyIndex), inboxUrl, JSON.stringify(activity));
  }

  send(prepared: PreparedRequest, timeoutMs?: number): Promise<SendResult> {
    return this.#sender.send(prepared, timeoutMs);
  }

  /**
   * Sends a signed `Follow` of `targetActorIri` from `follower` to the target's inbox (the actor
   * document is fetched once per target). A 429 or 503 is retried after its `Retry-After`, as a
   * real server's delivery queue would, up to `attempts` times.
   */
  async follow(
    follower: SimulatedActor,
    targetActorIri: string,
    options: { attempts?: number } = {},
  ): Promise<{ id: string; status: number }> {
    const inbox = await this.#inboxOf(targetActorIri);
    const id = `${follower.instance}/follows/${randomUUID()}`;
    this.#follows.set(id, follower.id);
    const prepared = this.prepareSigned(follower, inbox, {
      '@context': ACTIVITYSTREAMS,
      id,
      type: 'Follow',
      actor: follower.id,
      object: targetActorIri,
    });
    const attempts = options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const result = await this.send(prepared);
      if ((result.status !== 429 && result.status !== 503) || attempt >= attempts)
        return { id, status: result.status };
      const seconds = Math.min(Math.max(result.retryAfter ?? 1, 0.1), 5);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  }

  /**
   * Every follower (or `followers`) follows `targetActorIri`, `concurrency` at a time. Throws,
   * after trying them all, when any Follow was not accepted with a 2xx.
   */
  async followAll(
    targetActorIri: string,
    options: { concurrency?: number; followers?: SimulatedActor[] } = {},
  ): Promise<{ sent: number }> {
    const followers = options.followers ?? this.followers();
    const failures: string[] = [];
    let next = 0;
    const lanes = Math.max(1, Math.min(options.concurrency ?? 16, followers.length));
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < followers.length) {
          const follower = followers[next++]!;
          try {
            const { status } = await this.follow(follower, targetActorIri);
            if (status < 200 || status >= 300) failures.push(`${follower.id}: ${status}`);
          } catch (error) {
            failures.push(`${follower.id}: ${(error as Error).message}`);
          }
        }
      }),
    );
    if (failures.length > 0)
      throw new Error(
        `${failures.length} of ${followers.length} follows failed, e.g. ${failures.slice(0, 3).join('; ')}`,
      );
    return { sent: followers.length };
  }

  /** Polls `predicate` until it holds; throws after `timeoutMs` (`what` may describe the state then). */
  async waitFor(
    predicate: () => boolean | Promise<boolean>,
    timeoutMs: number,
    what: string | (() => string) = 'the condition',
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await predicate())) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Closes every server (cutting delayed and hanging responses) and the client connections. */
  async close(): Promise<void> {
    await this.#closeServers();
    this.#sender.close();
  }

  async #listen(addresses: string[], fixedPort: number | undefined): Promise<void> {
    let port = fixedPort ?? 0;
    for (const [index, address] of addresses.entries()) {
      const server = createServer((req, res) => {
        this.#handle(req, res).catch((error: unknown) => {
          if (!res.headersSent) write(res, { status: 500, body: String(error) });
          else res.destroy();
        });
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
      port = (server.address() as AddressInfo).port;
      const instance = new SimulatedInstance(index, address, port, server);
      instance.markListening();
      this.instances.push(instance);
      this.#byAddress.set(address, instance);
    }
  }

  async #closeServers(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.close()));
    this.instances.length = 0;
    this.#byAddress.clear();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const instance = this.#byAddress.get(req.socket.localAddress ?? '');
    if (!instance) return write(res, { status: 421 });
    const body = await readBody(req);
    if (body === undefined) return write(res, { status: 413 });
    const url = new URL(req.url ?? '/', instance.origin);
    if (req.method === 'POST') {
      const inbox = url.pathname === '/inbox' || this.#personalInbox(instance, url.pathname);
      if (!inbox) return instance.respond(res, { status: 404 });
      return instance.respond(res, await this.#receive(instance, req, url, body));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return instance.respond(res, { status: 405 });
    instance.respond(res, answerGet(instance, url, this.keys));
  }

  #personalInbox(instance: SimulatedInstance, path: string): boolean {
    const name = /^\/users\/user(\d+)\/inbox$/.exec(path)?.[1];
    return name !== undefined && Number(name) >= 1 && Number(name) <= instance.followers.length;
  }

  async #receive(instance: SimulatedInstance, req: IncomingMessage, url: URL, body: Buffer): Promise<Answer> {
    const activity = readActivity(body);
    if (!activity) return { status: 400 };
    let status = instance.inboxStatus();
    let verified: boolean | undefined;
    if (this.#checker && status === 202) {
      verified = await this.#checker.verify(url, req, body);
      if (!verified) status = 401;
    }
    this.#log.add({
      instance: instance.origin,
      path: url.pathname,
      ...activity,
      at: Date.now(),
      signature: signatureKind(req),
      ...(verified === undefined ? {} : { verified }),
      status,
    });
    if (activity.type === 'Accept' && activity.objectId && status === 202) {
      const follower = this.#follows.get(activity.objectId);
      if (follower) this.#accepted.add(follower);
    }
    return { status: typeof status === 'number' ? status : 202 };
  }

  #inboxOf(actorIri: string): Promise<string> {
    let inbox = this.#inboxes.get(actorIri);
    if (!inbox) {
      inbox = fetchInbox(actorIri);
      inbox.catch(() => this.#inboxes.delete(actorIri));
      this.#inboxes.set(actorIri, inbox);
    }
    return inbox;
  }
}

async function fetchInbox(actorIri: string): Promise<string> {
  const res = await fetch(actorIri, { headers: { accept: 'application/activity+json' } });
  if (!res.ok) throw new Error(`${actorIri} answered ${res.status}`);
  const actor = (await res.json()) as { inbox?: unknown };
  if (typeof actor.inbox !== 'string') throw new Error(`${actorIri} has no inbox`);
  return actor.inbox;
}

/** The request body, or undefined when it is larger than the simulator takes. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  }
  return tooLarge ? undefined : Buffer.concat(chunks);
}

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}
