import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { type Database, openDatabase } from '../models/db.ts';
import { type Agent, signUpAgent } from './support/api.ts';
import { createPostgresDatabase, databaseKinds } from './support/databases.ts';
import { eventually, fediHandle, queueIsEmpty } from './support/federation.ts';
import { freePort, startTestInstance, type TestInstance, tempDir } from './support/instance.ts';

type FollowList = { follows: { actor: { handle: string }; state: string }[] };

/**
 * An instance whose database outlives it (a PGlite folder or a PostgreSQL database), on a
 * fixed port, so that it can be stopped and started again as the same server.
 */
class DurableInstance {
  readonly port: number;
  readonly #kind: 'pglite' | 'postgres';
  readonly #where: string;
  readonly #secret = randomBytes(32).toString('hex');
  #database: Database | undefined;
  instance: TestInstance | undefined;

  constructor(kind: 'pglite' | 'postgres', port: number, where: string) {
    this.#kind = kind;
    this.port = port;
    this.#where = where;
  }

  static async create(kind: 'pglite' | 'postgres'): Promise<DurableInstance> {
    const where = kind === 'pglite' ? tempDir('parvis-durable-') : await createPostgresDatabase();
    return new DurableInstance(kind, await freePort(), where);
  }

  async start(): Promise<TestInstance> {
    this.#database = await openDatabase(
      this.#kind === 'pglite'
        ? { kind: 'pglite', dataDir: this.#where }
        : { kind: 'postgres', url: this.#where },
    );
    this.instance = await startTestInstance(this.#kind, {
      database: this.#database,
      port: this.port,
      env: { SECRET_KEY: this.#secret },
    });
    return this.instance;
  }

  /** Stops the server and its queue; the database stays open until `closeDatabase`. */
  async stop(): Promise<void> {
    await this.instance?.close();
    this.instance = undefined;
  }

  async closeDatabase(): Promise<void> {
    await this.#database?.close();
    this.#database = undefined;
  }

  get db() {
    assert.ok(this.#database, 'database not open');
    return this.#database.db;
  }

  async destroy(): Promise<void> {
    await this.stop();
    await this.closeDatabase();
    if (this.#kind === 'pglite') rmSync(this.#where, { recursive: true, force: true });
  }
}

for (const kind of databaseKinds()) {
  describe(`federation survives a receiver outage and a sender restart [${kind}]`, function () {
    this.timeout(180_000);
    let sender: DurableInstance;
    let receiver: DurableInstance;
    let alice: Agent;
    let bob: Agent;
    let bobHandle: string;
    let aliceHandle: string;
    let bobIri: string;

    before(async () => {
      [sender, receiver] = await Promise.all([DurableInstance.create(kind), DurableInstance.create(kind)]);
      const a = await sender.start();
      const b = await receiver.start();
      const sa = await signUpAgent(a.url);
      const sb = await signUpAgent(b.url);
      alice = sa.agent;
      bob = sb.agent;
      aliceHandle = sa.identity.handle;
      bobHandle = sb.identity.handle;
      bobIri = `${b.url}/users/${bobHandle}`;
    });
    after(async () => {
      await Promise.all([sender?.destroy(), receiver?.destroy()]);
    });

    const following = async () => (await alice.get('/api/v1/me/following')).body as FollowList;
    const followers = async () => (await bob.get('/api/v1/me/followers')).body as FollowList;

    it('a Follow sent while the receiver is down arrives, and is accepted, once both are back', async () => {
      // Alice has followed Bob before (so his server's actor is cached here), then stopped.
      assert.equal((await alice.post('/api/v1/me/follows').send({ target: bobIri })).status, 201);
      await eventually('the first Accept', async () => (await following()).follows[0]?.state === 'accepted');
      assert.equal((await alice.delete(`/api/v1/me/follows/${encodeURIComponent(bobIri)}`)).status, 204);
      await eventually('the Undo', async () => (await followers()).follows.length === 0);
      await eventually("the sender's queue to drain", () => queueIsEmpty(sender.db));

      // Bob's server goes down; following him again still succeeds at once, pending.
      await receiver.stop();
      await receiver.closeDatabase();
      const res = await alice.post('/api/v1/me/follows').send({ target: bobIri });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.state, 'pending');

      // The sender restarts with the Follow still in its queue (in its database).
      await sender.stop();
      assert.equal(await queueIsEmpty(sender.db), false, 'the undelivered Follow is kept');
      await sender.closeDatabase();
      await receiver.start();
      await sender.start();

      await eventually(
        'the Accept after the restart',
        async () => (await following()).follows[0]?.state === 'accepted',
        120_000,
      );
      const theirs = await followers();
      assert.deepEqual(
        theirs.follows.map((f) => f.actor.handle),
        [fediHandle(sender.instance!, aliceHandle)],
      );
    });
  });
}
