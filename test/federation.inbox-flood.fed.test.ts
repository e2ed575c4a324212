import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateCryptoKeyPair, signRequest } from '@fedify/fedify';
import { signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { AP_ACCEPT, domainTableCounts, eventually, queueIsEmpty } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

const AS = 'https://www.w3.org/ns/activitystreams';

/**
 * A remote server whose key documents never come: every inbox POST signed with one of its keys
 * keeps our instance waiting on the key fetch, i.e. occupies one inbox slot.
 */
class StuckKeyServer {
  url = '';
  readonly waiting: ServerResponse[] = [];
  /** Once released, key fetches are answered 404 (no such key) instead of held. */
  stuckMode = true;
  #server: Server | undefined;

  async start(): Promise<void> {
    this.#server = createServer((_req: IncomingMessage, res: ServerResponse) => {
      if (this.stuckMode) return void this.waiting.push(res);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Cuts the held key fetches and answers later ones 404: the senders' signatures then fail to verify (401). */
  release(): void {
    this.stuckMode = false;
    for (const res of this.waiting.splice(0)) res.destroy();
  }

  async close(): Promise<void> {
    this.release();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

for (const kind of databaseKinds()) {
  describe(`inbox under a flood [${kind}]`, function () {
    this.timeout(120_000);
    let a: TestInstance;
    let stuck: StuckKeyServer;
    let inbox: string;
    let aliceIri: string;

    before(async () => {
      stuck = new StuckKeyServer();
      await stuck.start();
      a = await startTestInstance(kind, {
        env: { INBOX_MAX_CONCURRENT: '2', FEDERATION_REQUEST_TIMEOUT_MS: '60000' },
      });
      const alice = await signUpAgent(a.url);
      aliceIri = `${a.url}/users/${alice.identity.handle}`;
      inbox = `${aliceIri}/inbox`;
    });
    after(async () => {
      await stuck?.close();
      await a?.close();
    });

    async function signedFollow(actorName: string): Promise<Request> {
      const keys = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
      const actor = `${stuck.url}/users/${actorName}`;
      const body = JSON.stringify({
        '@context': AS,
        id: `${actor}#follows/${randomUUID()}`,
        type: 'Follow',
        actor,
        object: aliceIri,
      });
      const req = new Request(inbox, {
        method: 'POST',
        headers: { 'Content-Type': 'application/activity+json', Accept: AP_ACCEPT },
        body,
      });
      return signRequest(req, keys.privateKey, new URL(`${actor}#main-key`), {
        spec: 'draft-cavage-http-signatures-12',
      });
    }

    it('beyond INBOX_MAX_CONCURRENT, a POST is told to retry later (503, Retry-After) and changes nothing; the pages keep answering', async () => {
      const before = await domainTableCounts(a.ctx.db);
      // Two POSTs wait on their senders' keys: both slots are taken.
      const held = [fetch(await signedFollow('one')), fetch(await signedFollow('two'))];
      await eventually('both key fetches to be waiting', async () => stuck.waiting.length === 2);

      const third = await fetch(await signedFollow('three'));
      assert.equal(third.status, 503);
      assert.equal(third.headers.get('retry-after'), '10');
      assert.match(third.headers.get('content-type') ?? '', /problem\+json/);
      // Only the inbox is bounded: the rest of the process still serves.
      assert.equal((await fetch(`${a.url}/healthz`)).status, 200);
      assert.equal((await fetch(aliceIri, { headers: { Accept: AP_ACCEPT } })).status, 200);

      // The held senders' keys never come: their signatures cannot be verified.
      stuck.release();
      const statuses = (await Promise.all(held)).map((r) => r.status);
      assert.deepEqual(statuses, [401, 401]);
      assert.deepEqual(await domainTableCounts(a.ctx.db), before);
      assert.ok(await queueIsEmpty(a.ctx.db));

      // The slots are free again: the next POST gets through to the signature check.
      stuck.stuckMode = true;
      const fourth = fetch(await signedFollow('four'));
      await eventually('the next key fetch', async () => stuck.waiting.length === 1);
      stuck.release();
      assert.equal((await fourth).status, 401);
    });
  });
}
