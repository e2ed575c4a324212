import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { generateCryptoKeyPair, importJwk, signRequest } from '@fedify/fedify';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import type { Db } from '../models/db.ts';
import { selectRows } from '../models/db-driver.ts';
import { findActorKeys } from '../models/federation.ops.ts';
import { signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { AP_ACCEPT, domainTableCounts, eventually, queueIsEmpty } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

const AS = 'https://www.w3.org/ns/activitystreams';

/** Row counts of the domain tables, the queue's jobs, and a digest of every KV entry. */
async function storedState(db: Db) {
  const [queue] = await selectRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM queue_jobs`);
  const [kv] = await selectRows<{ n: number; digest: string }>(
    db,
    sql`SELECT count(*)::int AS n,
          coalesce(md5(string_agg(key::text || '=' || value::text, ',' ORDER BY key)), '') AS digest
        FROM kv_entries`,
  );
  return { tables: await domainTableCounts(db), queue, kv };
}

for (const kind of databaseKinds()) {
  describe(`inbox safety [${kind}]`, function () {
    this.timeout(120_000);
    let a: TestInstance;
    let b: TestInstance;
    let aliceIri: string;
    let inbox: string;
    let bobIri: string;
    let carolIri: string;
    let bobKeyId: URL;
    let bobKey: CryptoKey;

    before(async () => {
      [a, b] = await Promise.all([startTestInstance(kind), startTestInstance(kind)]);
      const alice = await signUpAgent(a.url);
      const bob = await signUpAgent(b.url);
      const carol = await signUpAgent(b.url);
      aliceIri = `${a.url}/users/${alice.identity.handle}`;
      inbox = `${aliceIri}/inbox`;
      bobIri = `${b.url}/users/${bob.identity.handle}`;
      carolIri = `${b.url}/users/${carol.identity.handle}`;
      // Fetching the actor makes B generate Bob's keys; the test then signs as Bob.
      const doc = JSON.parse(
        (await request(b.url).get(new URL(bobIri).pathname).set('Accept', AP_ACCEPT)).text,
      );
      bobKeyId = new URL(doc.publicKey.id);
      const rsa = (await findActorKeys(b.ctx.db, bob.identity.handle)).find((k) => k.algorithm === 'rsa');
      assert.ok(rsa);
      bobKey = await importJwk(rsa.privateJwk, 'private');
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    const follow = (actor = bobIri, id = `${bobIri}#follows/${randomUUID()}`) => ({
      '@context': AS,
      id,
      type: 'Follow',
      actor,
      object: aliceIri,
    });

    async function post(body: string, sign?: { key: CryptoKey; keyId: URL }): Promise<Response> {
      let req = new Request(inbox, {
        method: 'POST',
        headers: { 'Content-Type': 'application/activity+json', Accept: AP_ACCEPT },
        body,
      });
      if (sign) req = await signRequest(req, sign.key, sign.keyId);
      return fetch(req);
    }

    /** Runs `action` and asserts that no table an activity could touch changed. */
    async function changesNothing(action: () => Promise<void>) {
      const before = await domainTableCounts(a.ctx.db);
      await action();
      assert.deepEqual(await domainTableCounts(a.ctx.db), before);
    }

    it('an unsigned POST is 401 and changes nothing', async () => {
      await changesNothing(async () => {
        const res = await post(JSON.stringify(follow()));
        assert.equal(res.status, 401);
      });
    });

    it('a POST signed with the wrong key is 401 and changes nothing', async () => {
      const impostor = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
      await changesNothing(async () => {
        const res = await post(JSON.stringify(follow()), { key: impostor.privateKey, keyId: bobKeyId });
        assert.equal(res.status, 401);
      });
    });

    it('an activity whose actor is not the signer is rejected (401) and changes nothing', async () => {
      await changesNothing(async () => {
        const res = await post(JSON.stringify(follow(carolIri)), { key: bobKey, keyId: bobKeyId });
        assert.equal(res.status, 401);
      });
    });

    /**
     * Like `changesNothing`, and the queue and the KV store (caches, idempotence marks) too: a
     * body refused for its size is never read, verified or queued, so no key fetch is cached.
     */
    async function storesNothing(action: () => Promise<void>) {
      const before = await storedState(a.ctx.db);
      await action();
      assert.deepEqual(await storedState(a.ctx.db), before);
    }

    it('a 5 MB body is 413 and stores nothing (tables, queue, KV)', async () => {
      const big = JSON.stringify({ ...follow(), padding: 'x'.repeat(5 * 1024 * 1024) });
      await storesNothing(async () => {
        const res = await post(big, { key: bobKey, keyId: bobKeyId });
        assert.equal(res.status, 413);
      });
    });

    it('a streamed (chunked) body over the limit is 413 too, and stores nothing', async () => {
      const chunk = new TextEncoder().encode('x'.repeat(256 * 1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 20) return controller.close();
          sent += 1;
          controller.enqueue(chunk);
        },
      });
      await storesNothing(async () => {
        const res = await fetch(inbox, {
          method: 'POST',
          headers: { 'Content-Type': 'application/activity+json' },
          body,
          duplex: 'half',
        } as RequestInit);
        assert.equal(res.status, 413);
      });
    });

    it('garbage JSON is 400 and changes nothing, signed or not', async () => {
      await changesNothing(async () => {
        assert.equal((await post('{"type": "Follow", ')).status, 400);
        assert.equal((await post('not json at all', { key: bobKey, keyId: bobKeyId })).status, 400);
        assert.equal((await post('[1, 2, 3]')).status, 400);
      });
    });

    it('JSON that is not valid JSON-LD is 400 and changes nothing', async () => {
      await changesNothing(async () => {
        const res = await post(
          JSON.stringify({ '@context': 42, type: 'Follow', actor: bobIri, object: aliceIri }),
          {
            key: bobKey,
            keyId: bobKeyId,
          },
        );
        assert.equal(res.status, 400);
      });
    });

    it('a properly signed Follow is accepted; the same activity delivered twice is processed once', async () => {
      const activity = follow();
      const first = await post(JSON.stringify(activity), { key: bobKey, keyId: bobKeyId });
      assert.equal(first.status, 202);
      const followers = async () => (await domainTableCounts(a.ctx.db)).follows;
      await eventually('the follow to be stored', async () => (await followers()) === 1);
      // Bob undoes it, then the very same Follow (same id) arrives again: it is not replayed.
      const undo = {
        '@context': AS,
        id: `${activity.id}/undo`,
        type: 'Undo',
        actor: bobIri,
        object: activity,
      };
      assert.equal((await post(JSON.stringify(undo), { key: bobKey, keyId: bobKeyId })).status, 202);
      await eventually('the follow to be removed', async () => (await followers()) === 0);
      const again = await post(JSON.stringify(activity), { key: bobKey, keyId: bobKeyId });
      assert.equal(again.status, 202);
      // Once the queue has run everything it received, the replay has left no follow behind.
      await eventually('the inbox queue to drain', () => queueIsEmpty(a.ctx.db));
      assert.equal(await followers(), 0);
    });

    it('a remote Block ends the follows between the blocker and the blocked persona', async () => {
      const followers = async () => (await domainTableCounts(a.ctx.db)).follows;
      assert.equal((await post(JSON.stringify(follow()), { key: bobKey, keyId: bobKeyId })).status, 202);
      await eventually('the follow to be stored', async () => (await followers()) === 1);
      const block = {
        '@context': AS,
        id: `${bobIri}#blocks/${randomUUID()}`,
        type: 'Block',
        actor: bobIri,
        object: aliceIri,
      };
      assert.equal((await post(JSON.stringify(block), { key: bobKey, keyId: bobKeyId })).status, 202);
      await eventually('the follow to be removed', async () => (await followers()) === 0);
    });

    it('a Block signed by someone else than its actor changes nothing', async () => {
      const block = {
        '@context': AS,
        id: `${carolIri}#blocks/${randomUUID()}`,
        type: 'Block',
        actor: carolIri,
        object: aliceIri,
      };
      await changesNothing(async () => {
        assert.equal((await post(JSON.stringify(block), { key: bobKey, keyId: bobKeyId })).status, 401);
      });
    });

    it("an Undo of somebody else's Follow is ignored", async () => {
      // Carol follows Alice (signed by Carol); then Bob, correctly signed, tries to undo it.
      const doc = JSON.parse(
        (await request(b.url).get(new URL(carolIri).pathname).set('Accept', AP_ACCEPT)).text,
      );
      const carolHandle = new URL(carolIri).pathname.split('/').pop()!;
      const rsa = (await findActorKeys(b.ctx.db, carolHandle)).find((k) => k.algorithm === 'rsa');
      assert.ok(rsa);
      const carol = { key: await importJwk(rsa.privateJwk, 'private'), keyId: new URL(doc.publicKey.id) };
      const carolsFollow = follow(carolIri, `${carolIri}#follows/${randomUUID()}`);
      assert.equal((await post(JSON.stringify(carolsFollow), carol)).status, 202);
      const followers = async () => (await domainTableCounts(a.ctx.db)).follows;
      await eventually("Carol's follow to be stored", async () => (await followers()) === 1);
      const undo = {
        '@context': AS,
        id: `${bobIri}#undo/${randomUUID()}`,
        type: 'Undo',
        actor: bobIri,
        object: carolsFollow,
      };
      assert.equal((await post(JSON.stringify(undo), { key: bobKey, keyId: bobKeyId })).status, 202);
      await eventually('the inbox queue to drain', () => queueIsEmpty(a.ctx.db));
      assert.equal(await followers(), 1);
    });
  });
}
