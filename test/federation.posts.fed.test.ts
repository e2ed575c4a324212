import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Activity, Announce, Create, Like, Mention, Note, PUBLIC_COLLECTION, Undo } from '@fedify/vocab';
import { federationContext } from '../federation/delivery.ts';
import { followRemote, unfollowRemote } from '../federation/follows.ts';
import { upsertRemoteActor } from '../models/federation.ops.ts';
import { listFollows, recordInboundFollow } from '../models/follows.ops.ts';
import { blockDomain } from '../models/instances.ops.ts';
import { findPostByIri } from '../models/posts.queries.ts';
import type { AppContext } from '../server/context.ts';
import { type Agent, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { eventually, fediHandle, queueIsEmpty } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

function person(handle: string) {
  return { email: `${handle}@example.org`, password: 'correct horse battery', handle, displayName: handle };
}

async function follow(follower: TestInstance, handle: string, target: TestInstance, targetHandle: string) {
  const result = await followRemote(follower.ctx, handle, `${target.url}/users/${targetHandle}`);
  assert.ok(result.ok, JSON.stringify(result));
  await eventually(`${handle} follows ${targetHandle} (accepted)`, async () => {
    const rows = await listFollows(follower.ctx.db, handle, 'outbound', { acceptedOnly: true });
    return rows.some((r) => r.actor.iri === `${target.url}/users/${targetHandle}`);
  });
}

async function publish(agent: Agent, body: Record<string, unknown>) {
  const res = await agent.post('/api/v1/posts').send(body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; iri: string };
}

/** Sends an activity from a local actor of `from` straight to an inbox, now (signed, no queue). */
async function sendNow(from: AppContext, sender: string, inboxOwner: string, activity: Activity) {
  const owner = new URL(inboxOwner);
  await federationContext(from).sendActivity(
    { identifier: sender },
    { id: owner, inboxId: new URL(`${owner.href}/inbox`) },
    activity,
    { immediate: true },
  );
}

/** A Create(Note) from an actor of `b`; a reply to `inReplyTo` unless null. */
function noteCreate(
  b: TestInstance,
  actor: string,
  attributedTo: string,
  content: string,
  inReplyTo: string | null,
  mention?: URL,
) {
  const noteId = new URL(`/posts/${randomUUID()}`, b.url);
  return new Create({
    id: new URL(`${noteId.href}#create`),
    actor: new URL(`/users/${actor}`, b.url),
    tos: [PUBLIC_COLLECTION],
    object: new Note({
      id: noteId,
      attribution: new URL(`/users/${attributedTo}`, b.url),
      tos: [PUBLIC_COLLECTION],
      replyTarget: inReplyTo ? new URL(inReplyTo) : null,
      tags: mention ? [new Mention({ href: mention, name: `@${mention.pathname.split('/').pop()}` })] : [],
      content,
    }),
  });
}

for (const kind of databaseKinds()) {
  describe(`posts over ActivityPub between three instances [${kind}]`, function () {
    this.timeout(90_000);
    let a: TestInstance;
    let b: TestInstance;
    let c: TestInstance;
    let cStopped = false;
    let alice: Agent;
    let bob: Agent;
    let dave: Agent;
    let first: { id: string; iri: string };

    before(async () => {
      [a, b, c] = await Promise.all([
        startTestInstance(kind),
        startTestInstance(kind),
        startTestInstance(kind),
      ]);
      alice = (await signUpAgent(a.url, person('alice'))).agent;
      bob = (await signUpAgent(b.url, person('bob'))).agent;
      await signUpAgent(b.url, person('carol'));
      dave = (await signUpAgent(c.url, person('dave'))).agent;
      await follow(b, 'bob', a, 'alice');
      await follow(c, 'dave', a, 'alice');
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close(), cStopped ? undefined : c?.close()]);
    });

    it("a public post reaches the follower's home feed on another instance", async () => {
      first = await publish(alice, {
        content: 'Le marché déménage place du Parvis',
        visibility: 'public',
        language: 'fr',
      });
      assert.equal(first.iri, `${a.url}/posts/${first.id}`);
      const feed = await eventually('the post in bob’s home feed', async () => {
        const res = await bob.get('/api/v1/feed/home');
        assert.equal(res.status, 200);
        const item = (res.body.items as { iri: string; content: string; author: { handle: string } }[]).find(
          (p) => p.iri === first.iri,
        );
        return item;
      });
      assert.equal(feed?.content, '<p>Le marché déménage place du Parvis</p>');
      assert.equal(feed?.author.handle, fediHandle(a, 'alice'));
      assert.equal((await findPostByIri(b.ctx.db, first.iri))?.language, 'fr');
    });

    it('the post URL serves the Note to ActivityPub clients, addressed to Public and the followers', async () => {
      const res = await fetch(first.iri, { headers: { accept: 'application/activity+json' } });
      assert.equal(res.status, 200);
      const note = (await res.json()) as Record<string, unknown>;
      assert.equal(note.type, 'Note');
      assert.equal(note.id, first.iri);
      assert.equal(note.attributedTo, `${a.url}/users/alice`);
      assert.deepEqual([note.to].flat(), ['as:Public']);
      assert.deepEqual([note.cc].flat(), [`${a.url}/users/alice/followers`]);
      assert.equal(note.replies, `${first.iri}/replies`);
    });

    it('a followers-only post is delivered to followers, and served only to their signed fetches', async () => {
      const post = await publish(alice, { content: 'Pour mes abonné·es', visibility: 'followers' });
      await eventually('followers-only post at B', () => findPostByIri(b.ctx.db, post.iri));
      const stored = await findPostByIri(b.ctx.db, post.iri);
      assert.equal(stored?.visibility, 'followers');
      const unsigned = await fetch(post.iri, { headers: { accept: 'application/activity+json' } });
      assert.equal(unsigned.status, 401);
      const fromB = federationContext(b.ctx);
      const asBob = await fromB.lookupObject(post.iri, {
        documentLoader: await fromB.getDocumentLoader({ identifier: 'bob' }),
      });
      assert.ok(asBob instanceof Note);
      assert.equal(asBob.id?.href, post.iri);
      const asCarol = await fromB.lookupObject(post.iri, {
        documentLoader: await fromB.getDocumentLoader({ identifier: 'carol' }),
      });
      assert.equal(asCarol, null);
    });

    it('a reply from the remote instance appears under the original post', async () => {
      const reply = await publish(bob, {
        content: 'Bonne idée !',
        visibility: 'public',
        inReplyTo: first.iri,
      });
      assert.ok(reply.iri.startsWith(b.url));
      const stored = await eventually('the reply in alice’s thread', async () => {
        const res = await alice.get(`/api/v1/posts/${first.id}/context`);
        assert.equal(res.status, 200);
        const body = res.body as {
          descendants: { iri: string; author: { handle: string }; content: string }[];
        };
        return body.descendants.find((p) => p.iri === reply.iri);
      });
      assert.equal(stored?.author.handle, fediHandle(b, 'bob'));
      assert.equal(stored?.content, '<p>Bonne idée !</p>');
      // On the post's page, the reply is marked as an unverified fediverse voice.
      const page = await fetch(first.iri, { headers: { accept: 'text/html', 'accept-language': 'fr' } });
      const text = await page.text();
      assert.ok(text.includes('<p>Bonne idée !</p>'));
      assert.ok(text.includes('voix du fédivers, non vérifiée'));
      // The Note's `replies` collection lists it, for servers that fetch the thread later.
      const replies = await fetch(`${first.iri}/replies`, {
        headers: { accept: 'application/activity+json' },
      });
      assert.equal(replies.status, 200);
      const collection = (await replies.json()) as {
        type: string;
        orderedItems: (string | { id: string })[];
      };
      assert.equal(collection.type, 'OrderedCollection');
      const ids = [collection.orderedItems].flat().map((i) => (typeof i === 'string' ? i : i.id));
      assert.ok(ids.includes(reply.iri), JSON.stringify(collection));
    });

    it('an edit and a delete propagate to the follower’s instance', async () => {
      const post = await publish(alice, { content: 'Version 1', visibility: 'public' });
      await eventually('the post at B', () => findPostByIri(b.ctx.db, post.iri));
      const edit = await alice.patch(`/api/v1/posts/${post.id}`).send({ content: 'Version 2' });
      assert.equal(edit.status, 200);
      await eventually(
        'the edit at B',
        async () => (await findPostByIri(b.ctx.db, post.iri))?.content === '<p>Version 2</p>',
      );
      const del = await alice.delete(`/api/v1/posts/${post.id}`);
      assert.equal(del.status, 204);
      await eventually('the deletion at B', async () => (await findPostByIri(b.ctx.db, post.iri))?.deletedAt);
      const gone = await fetch(post.iri, { headers: { accept: 'application/activity+json' } });
      assert.equal(gone.status, 410);
      assert.equal(((await gone.json()) as { type: string }).type, 'Tombstone');
    });

    it('the same activity delivered twice is stored once', async () => {
      const create = noteCreate(b, 'bob', 'bob', '<p>une fois</p>', first.iri);
      await sendNow(b.ctx, 'bob', `${a.url}/users/alice`, create);
      await sendNow(b.ctx, 'bob', `${a.url}/users/alice`, create);
      const iri = create.objectId!.href;
      const stored = await eventually('the note at A', () => findPostByIri(a.ctx.db, iri));
      assert.equal(stored?.content, '<p>une fois</p>');
      const res = await fetch(`${a.url}/api/v1/feed/public`);
      const items = (res.ok ? ((await res.json()) as { items: { iri: string }[] }).items : []).filter(
        (p) => p.iri === iri,
      );
      assert.equal(items.length, 1);
    });

    it('a like and an announce from another instance are counted once, and their Undo removes them', async () => {
      const bobIri = new URL('/users/bob', b.url);
      const like = new Like({
        id: new URL(`/likes/${randomUUID()}`, b.url),
        actor: bobIri,
        object: new URL(first.iri),
      });
      const share = new Announce({
        id: new URL(`/announces/${randomUUID()}`, b.url),
        actor: bobIri,
        object: new URL(first.iri),
        tos: [PUBLIC_COLLECTION],
      });
      const counts = async () => (await alice.get(`/api/v1/posts/${first.id}`)).body.counts;
      await sendNow(b.ctx, 'bob', `${a.url}/users/alice`, like);
      await sendNow(b.ctx, 'bob', `${a.url}/users/alice`, like);
      await sendNow(b.ctx, 'bob', `${a.url}/users/alice`, share);
      await eventually('like and announce counted', async () => {
        const c = await counts();
        return c.likes === 1 && c.announces === 1;
      });
      await sendNow(
        b.ctx,
        'bob',
        `${a.url}/users/alice`,
        new Undo({ id: new URL(`${like.id!.href}#undo`), actor: bobIri, object: like }),
      );
      await sendNow(
        b.ctx,
        'bob',
        `${a.url}/users/alice`,
        new Undo({ id: new URL(`${share.id!.href}#undo`), actor: bobIri, object: share }),
      );
      await eventually('like and announce undone', async () => {
        const c = await counts();
        return c.likes === 0 && c.announces === 0;
      });
    });

    it("a Create whose actor is not the note's author is rejected, so is an unsolicited post, and hostile HTML is sanitised", async () => {
      const forged = noteCreate(b, 'bob', 'carol', '<p>au nom de carol</p>', first.iri);
      await sendNow(b.ctx, 'bob', `${a.url}/users/alice`, forged);
      // Nobody on A follows bob: a post of his that answers nothing here is unsolicited.
      const unsolicited = noteCreate(b, 'bob', 'bob', '<p>pub</p>', null);
      await sendNow(b.ctx, 'bob', `${a.url}/users/alice`, unsolicited);
      // …unless it mentions one of A's actors: a question to alice is kept.
      const question = noteCreate(
        b,
        'bob',
        'bob',
        '<p>@alice une question</p>',
        null,
        new URL('/users/alice', a.url),
      );
      await sendNow(b.ctx, 'bob', `${a.url}/users/alice`, question);
      const base = noteCreate(b, 'bob', 'bob', '<p onclick="x()">ok<script>alert(1)</script></p>', first.iri);
      const note = (await base.getObject()) as Note;
      // A content warning (Mastodon's `summary`) is kept as text before the content.
      const marker = base.clone({ object: note.clone({ summary: 'Attention <b>' }) });
      await sendNow(b.ctx, 'bob', `${a.url}/users/alice`, marker);
      const stored = await eventually('the marker note at A', () =>
        findPostByIri(a.ctx.db, marker.objectId!.href),
      );
      assert.equal(stored?.content, '<p><strong>Attention &lt;b&gt;</strong></p><p>ok</p>');
      assert.equal(await findPostByIri(a.ctx.db, forged.objectId!.href), undefined);
      assert.equal(await findPostByIri(a.ctx.db, unsolicited.objectId!.href), undefined);
      await eventually('the question mentioning alice at A', () =>
        findPostByIri(a.ctx.db, question.objectId!.href),
      );
    });

    it('an unfollow stops delivery', async () => {
      const result = await unfollowRemote(b.ctx, 'bob', `${a.url}/users/alice`);
      assert.deepEqual(result, { ok: true });
      await eventually('A forgets bob as a follower', async () => {
        const followers = await listFollows(a.ctx.db, 'alice', 'inbound', { acceptedOnly: true });
        return !followers.some((f) => f.actor.iri === `${b.url}/users/bob`);
      });
      const unseen = await publish(alice, { content: 'Après le désabonnement', visibility: 'public' });
      // A marker that must travel the same road: carol (also on B) follows, then a second post.
      await follow(b, 'carol', a, 'alice');
      const marker = await publish(alice, { content: 'Pour carol', visibility: 'public' });
      await eventually('the marker at B', () => findPostByIri(b.ctx.db, marker.iri));
      assert.equal(await findPostByIri(b.ctx.db, unseen.iri), undefined);
    });

    it('a domain block stops posts in both directions', async () => {
      const blocked = await blockDomain(a.ctx.db, { domain: new URL(b.url).host });
      assert.ok(blocked.ok);
      // A → B: a new post reaches C (marker) but not B.
      const post = await publish(alice, { content: 'Après le blocage', visibility: 'public' });
      await eventually('the post at C', () => findPostByIri(c.ctx.db, post.iri));
      // B → A: a reply from B is dropped; one from C (sent after it) arrives.
      const fromB = await publish(bob, {
        content: 'Réponse bloquée',
        visibility: 'public',
        inReplyTo: first.iri,
      });
      const fromC = await publish(dave, {
        content: 'Réponse de C',
        visibility: 'public',
        inReplyTo: first.iri,
      });
      await eventually('the reply from C at A', () => findPostByIri(a.ctx.db, fromC.iri));
      assert.equal(await findPostByIri(b.ctx.db, post.iri), undefined);
      assert.equal(await findPostByIri(a.ctx.db, fromB.iri), undefined);
    });

    it('a delivery answered 410 Gone is not retried', async () => {
      let hits = 0;
      const gone = createServer((req, res) => {
        req.resume();
        hits += 1;
        res.statusCode = 410;
        res.end();
      });
      await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
      try {
        const base = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
        const actor = await upsertRemoteActor(a.ctx.db, {
          iri: `${base}/users/ghost`,
          handle: `@ghost@127.0.0.1:${(gone.address() as AddressInfo).port}`,
          type: 'Person',
          displayName: 'Ghost',
          summary: '',
          avatarUrl: null,
          url: null,
          inbox: `${base}/users/ghost/inbox`,
          sharedInbox: null,
        });
        await recordInboundFollow(a.ctx.db, {
          localActor: 'alice',
          remoteActorId: actor.id,
          activityIri: `${base}/follows/1`,
        });
        await publish(alice, { content: 'Au fantôme', visibility: 'public' });
        await eventually('a delivery attempt to the gone inbox', async () => hits > 0);
        // A retry would sit in the queue with a delay: an empty queue means the delivery was given up.
        await eventually('the queue of A drained', () => queueIsEmpty(a.ctx.db));
        // One attempt; Fedify "double-knocks" (the other HTTP signature standard) on a 4xx within it.
        assert.ok(hits <= 2, `${hits} requests`);
      } finally {
        await new Promise((resolve) => gone.close(resolve));
      }
    });

    it('publishing answers at once even when every follower’s server is down', async () => {
      await c.close();
      cStopped = true;
      const res = await alice
        .post('/api/v1/posts')
        .send({ content: 'Personne ne répond', visibility: 'public' });
      assert.equal(res.status, 201);
      const get = await alice.get(`/api/v1/posts/${res.body.id}`);
      assert.equal(get.status, 200);
    });
  });
}
