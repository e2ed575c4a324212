import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { verifyRequest } from '@fedify/fedify';
import type { RemoteDocument } from '@fedify/vocab';
import { loadKeyPool, loopbackAddresses, SimulatedFediverse } from '../bench/simulator/index.ts';
import { tempDir } from './support/instance.ts';

async function getJson(url: string, accept = 'application/activity+json'): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: { accept } });
  assert.equal(res.status, 200, `${url} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

async function loadDocument(url: string): Promise<RemoteDocument> {
  return { contextUrl: null, documentUrl: url, document: await getJson(url) };
}

describe('fediverse simulator', () => {
  const cacheDir = tempDir('parvis-simulator-keys-');
  after(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('hands out loopback addresses without .0, .255 or 127.0.0.1', () => {
    assert.deepEqual(loopbackAddresses(3, '127.0.0.254'), ['127.0.0.254', '127.0.1.1', '127.0.1.2']);
    assert.deepEqual(loopbackAddresses(2, '127.0.0.0'), ['127.0.0.2', '127.0.0.3']);
    assert.throws(() => loopbackAddresses(1, '10.0.0.1'), /127/);
  });

  it('keeps a key pool in its cache and grows it when more keys are asked for', async () => {
    const dir = tempDir('parvis-simulator-pool-');
    try {
      const two = await loadKeyPool(2, { cacheDir: dir });
      const three = await loadKeyPool(3, { cacheDir: dir });
      assert.equal(three.size, 3);
      assert.deepEqual(three.privateDer(0), two.privateDer(0), 'the cached keys come back as they were');
      assert.deepEqual(three.privateDer(1), two.privateDer(1));
      assert.equal(new Set([0, 1, 2].map((i) => three.publicKeyPem(i))).size, 3, 'every key is its own');
      assert.equal((await loadKeyPool(1, { cacheDir: dir })).publicKeyPem(0), two.publicKeyPem(0));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('a few instances', () => {
    let sim: SimulatedFediverse;
    before(async () => {
      sim = await SimulatedFediverse.start({
        instances: 3,
        followersPerInstance: 2,
        firstAddress: '127.0.9.1',
        verifySignatures: true,
        keyCacheDir: cacheDir,
      });
    });
    after(() => sim.close());
    afterEach(async () => {
      for (const instance of sim.instances) {
        instance.ok();
        await instance.up();
      }
      sim.clearArrivals();
    });

    it('runs each instance on its own loopback address, all on one port', () => {
      assert.deepEqual(
        sim.instances.map((i) => i.address),
        ['127.0.9.1', '127.0.9.2', '127.0.9.3'],
      );
      assert.equal(new Set(sim.instances.map((i) => i.port)).size, 1);
      assert.equal(sim.followers().length, 6);
    });

    it('serves Mastodon-shaped actors, WebFinger and NodeInfo', async () => {
      const [first, second] = sim.instances;
      const actor = second!.followers[1]!;
      const document = await getJson(actor.id);
      assert.equal(document.type, 'Person');
      assert.equal(document.id, actor.id);
      assert.equal(document.inbox, `${second!.origin}/users/user2/inbox`);
      assert.deepEqual(document.endpoints, { sharedInbox: `${second!.origin}/inbox` });
      assert.equal(document.preferredUsername, 'user2');
      const key = document.publicKey as Record<string, string>;
      assert.equal(key.id, `${actor.id}#main-key`);
      assert.equal(key.owner, actor.id);
      assert.equal(key.publicKeyPem, sim.keys.publicKeyPem(actor.keyIndex));
      assert.notEqual(
        key.publicKeyPem,
        (await getJson(first!.followers[1]!.id)).publicKey,
        'one key per actor',
      );

      const finger = await getJson(
        `${second!.origin}/.well-known/webfinger?resource=acct:user2@${second!.host}`,
        'application/jrd+json',
      );
      assert.deepEqual((finger.links as { rel: string; href: string }[])[0], {
        rel: 'self',
        type: 'application/activity+json',
        href: actor.id,
      });
      const links = await getJson(`${first!.origin}/.well-known/nodeinfo`, 'application/json');
      const href = (links.links as { href: string }[])[0]!.href;
      const nodeInfo = await getJson(href, 'application/json');
      assert.deepEqual(nodeInfo.software, { name: 'fedisim', version: '1.0.0' });
      assert.equal((await fetch(`${first!.origin}/users/user9`)).status, 404);
    });

    it('signs like Mastodon: a POST from one simulated actor to another verifies with Fedify', async () => {
      const [alice, bob] = [sim.instances[0]!.followers[0]!, sim.instances[2]!.followers[1]!];
      const note = {
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${alice.id}/statuses/1/activity`,
        type: 'Create',
        actor: alice.id,
        object: { id: `${alice.id}/statuses/1`, type: 'Note', content: 'Bonjour' },
      };
      const prepared = sim.prepareSigned(alice, bob.inbox, note);
      const key = await verifyRequest(
        new Request(prepared.url, { method: 'POST', headers: prepared.headers, body: prepared.body }),
        { documentLoader: loadDocument },
      );
      assert.equal(key?.id?.href, alice.keyId, "Fedify finds alice's key and the signature holds");

      assert.equal((await sim.send(prepared)).status, 202);
      const tampered = { ...prepared, body: prepared.body.replace('Bonjour', 'Bonsoir') };
      assert.equal((await sim.send(tampered)).status, 401, 'a changed body no longer verifies');
      const arrivals = sim.arrivals({ instance: bob.instance });
      assert.deepEqual(
        arrivals.map((a) => [
          a.path,
          a.type,
          a.activityId,
          a.actor,
          a.objectId,
          a.signature,
          a.verified,
          a.status,
        ]),
        [
          ['/users/user2/inbox', 'Create', note.id, alice.id, note.object.id, 'draft-cavage', true, 202],
          ['/users/user2/inbox', 'Create', note.id, alice.id, note.object.id, 'draft-cavage', false, 401],
        ],
      );
      assert.deepEqual(
        sim.deliveriesOf(note.id),
        new Map([[bob.instance, 1]]),
        'only the accepted POST counts',
      );
    });

    it('sends a Follow to the target inbox and records the Accept that answers it', async () => {
      const [follower, target] = [sim.instances[0]!.followers[1]!, sim.instances[1]!.followers[0]!];
      const follow = await sim.follow(follower, target.id);
      assert.equal(follow.status, 202);
      const [received] = sim.arrivals({ type: 'Follow' });
      assert.equal(received?.path, '/users/user1/inbox');
      assert.equal(received?.activityId, follow.id);
      assert.equal(received?.objectId, target.id);
      assert.deepEqual(sim.acceptedFollowers(), new Set());

      const accept = sim.prepareSigned(target, follower.sharedInbox, {
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${target.id}#accepts/1`,
        type: 'Accept',
        actor: target.id,
        object: { id: follow.id, type: 'Follow', actor: follower.id, object: target.id },
      });
      assert.equal((await sim.send(accept)).status, 202);
      assert.deepEqual(sim.acceptedFollowers(), new Set([follower.id]));
    });

    it('fails, delays, hangs and goes down on demand, and recovers', async () => {
      const [alice, bob] = [sim.instances[0]!.followers[0]!, sim.instances[1]!.followers[0]!];
      const bobServer = sim.instances[1]!;
      const activity = (n: number) => ({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${alice.id}#likes/${n}`,
        type: 'Like',
        actor: alice.id,
        object: `${bob.id}/statuses/1`,
      });

      bobServer.fail(503);
      const failed = await sim.send(sim.prepareSigned(alice, bob.sharedInbox, activity(1)));
      assert.equal(failed.status, 503);
      assert.equal(failed.retryAfter, 1);
      assert.equal(sim.arrivals({ activityId: activity(1).id })[0]?.status, 503);
      assert.equal(sim.deliveriesOf(activity(1).id).size, 0, 'a failed POST is not a delivery');

      bobServer.delay(60_000);
      const delayed = sim.send(sim.prepareSigned(alice, bob.sharedInbox, activity(2)));
      await sim.waitFor(() => bobServer.pending === 1, 10_000, 'the delayed request');
      assert.equal(sim.arrivals({ activityId: activity(2).id }).length, 1, 'recorded on arrival');
      bobServer.delay(0);
      bobServer.hang();
      const hanging = sim.send(sim.prepareSigned(alice, bob.inbox, activity(3)));
      await sim.waitFor(() => bobServer.pending === 2, 10_000, 'the hanging request');
      assert.equal(sim.arrivals({ activityId: activity(3).id })[0]?.status, 'hang');
      bobServer.ok();
      await assert.rejects(hanging, 'leaving hang cuts the held connection');
      assert.equal(bobServer.pending, 1, 'the delayed answer is still pending');

      await bobServer.down();
      await assert.rejects(delayed, 'going down cuts the delayed answer');
      await assert.rejects(
        sim.send(sim.prepareSigned(alice, bob.sharedInbox, activity(4))),
        (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
      );
      assert.equal(sim.arrivals({ instance: bob.instance, activityId: activity(4).id }).length, 0);
      await bobServer.up();
      assert.equal((await sim.send(sim.prepareSigned(alice, bob.sharedInbox, activity(4)))).status, 202);
      assert.deepEqual(sim.deliveriesOf(activity(4).id), new Map([[bob.instance, 1]]));
      assert.deepEqual(
        sim.deliveriesOf(activity(2).id),
        new Map([[bob.instance, 1]]),
        'taken in, answered late',
      );

      bobServer.delay(200);
      const late = await sim.send(sim.prepareSigned(alice, bob.sharedInbox, activity(5)));
      assert.equal(late.status, 202, 'a delayed request is answered in the end');
      assert.equal(bobServer.pending, 0);
    });
  });

  it('close() ends hanging requests', async () => {
    const sim = await SimulatedFediverse.start({
      instances: 1,
      followersPerInstance: 1,
      keyCacheDir: cacheDir,
    });
    const [actor] = sim.followers();
    sim.instances[0]!.hang();
    const pending = sim.send(sim.prepareSigned(actor!, actor!.inbox, { id: 'urn:x', type: 'Like' }));
    await sim.waitFor(() => sim.instances[0]!.pending === 1, 10_000, 'the hanging request');
    await sim.close();
    await assert.rejects(pending);
  });
});
