import assert from 'node:assert/strict';
import type { Database } from '../models/db.ts';
import { findRemoteActorByIri } from '../models/federation.ops.ts';
import { listFollows } from '../models/follows.ops.ts';
import { findKnownInstance } from '../models/instances.ops.ts';
import { signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { FakeMastodon } from './support/fake-mastodon.ts';
import { eventually, queueIsEmpty } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

const AS = 'https://www.w3.org/ns/activitystreams';

/**
 * Records the SQL text of every statement the instance's database runs outside transactions
 * (web and worker share one database handle in a test instance) until `stop()`.
 */
function recordStatements(database: Database): { statements: string[]; stop: () => void } {
  const statements: string[] = [];
  const target = (database.pool ?? database.pglite) as unknown as {
    query: (query: unknown, ...rest: unknown[]) => Promise<unknown>;
  };
  const original = target.query;
  target.query = function (this: unknown, query: unknown, ...rest: unknown[]) {
    const text = typeof query === 'string' ? query : (query as { text?: unknown })?.text;
    if (typeof text === 'string') statements.push(text);
    return original.call(this, query, ...rest);
  };
  const stop = () => {
    target.query = original;
  };
  return { statements, stop };
}

const count = (statements: string[], pattern: RegExp) => statements.filter((s) => pattern.test(s)).length;

for (const kind of databaseKinds()) {
  describe(`an incoming Follow, end to end [${kind}]`, function () {
    this.timeout(120_000);
    let a: TestInstance;
    let m: FakeMastodon;
    const aliceIri = () => `${a.url}/users/alice`;

    before(async () => {
      a = await startTestInstance(kind);
      m = new FakeMastodon();
      await m.start();
      await signUpAgent(a.url, {
        email: 'alice@example.org',
        password: 'correct horse battery',
        handle: 'alice',
        displayName: 'Alice',
      });
    });
    after(async () => {
      await a?.close();
      await m?.close();
    });

    async function follow(name: string): Promise<void> {
      const actor = await m.addAccount(name, name);
      const activity = { '@context': AS, id: `${actor}#follow`, type: 'Follow', actor, object: aliceIri() };
      assert.equal(await m.deliver(name, `${aliceIri()}/inbox`, activity), 202);
      await eventually(`the Accept of ${name}'s Follow`, async () =>
        m.receivedOfType('Accept').some((x) => (x.object as { id?: unknown }).id === activity.id),
      );
      await eventually('an empty queue', () => queueIsEmpty(a.ctx.db));
    }

    it('records the follower, its server and the follow, and answers with an Accept', async () => {
      await follow('mallory');
      const mallory = await findRemoteActorByIri(a.ctx.db, m.actor('mallory'));
      assert.equal(mallory?.displayName, 'mallory');
      assert.equal(mallory?.inbox, `${m.actor('mallory')}/inbox`);
      const server = await findKnownInstance(a.ctx.db, new URL(m.url).host);
      assert.equal(server?.actors, 1);
      const followers = await listFollows(a.ctx.db, 'alice', 'inbound', { acceptedOnly: true });
      assert.deepEqual(
        followers.map((f) => [f.actor.iri, f.follow.activityIri]),
        [[m.actor('mallory'), `${m.actor('mallory')}#follow`]],
      );
    });

    it('a further Follow looks the persona up once in the inbox and once in the handler, and stores actor and server together', async () => {
      // After a first Follow (above) this process holds alice's keys: no lookup is repeated to
      // sign the key fetch, to describe alice in the inbox, or to sign the Accept.
      const recorder = recordStatements(a.database);
      try {
        await follow('trent');
      } finally {
        recorder.stop();
      }
      const { statements } = recorder;
      const lookups = count(statements, /where "(handles|personas|institutions)"\."handle" = \$1/);
      assert.equal(lookups, 2, 'one in the inbox POST, one in the handler');
      assert.equal(
        count(statements, /insert into "remote_actors"[\s\S]*"known_instances"/),
        1,
        'actor and server',
      );
      assert.equal(count(statements, /"known_instances"/), 1, 'the server only with its actor');
      assert.equal(count(statements, /insert into "follows"/), 1);
      const followers = await listFollows(a.ctx.db, 'alice', 'inbound', { acceptedOnly: true });
      assert.deepEqual(
        followers.map((f) => f.actor.iri),
        [m.actor('mallory'), m.actor('trent')],
      );
      assert.equal((await findKnownInstance(a.ctx.db, new URL(m.url).host))?.actors, 2);
    });
  });
}
