import assert from 'node:assert/strict';
import request from 'supertest';
import { followRemote } from '../federation/follows.ts';
import { findRemoteActorByIri, upsertRemoteActor } from '../models/federation.ops.ts';
import { listFollows } from '../models/follows.ops.ts';
import { findPostByIri } from '../models/posts.queries.ts';
import { type Agent, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { FakeMastodon, MASTODON_STATUS_CONTEXT, PUBLIC } from './support/fake-mastodon.ts';
import { AP_ACCEPT, eventually } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

const AS = 'https://www.w3.org/ns/activitystreams';

function person(handle: string) {
  return { email: `${handle}@example.org`, password: 'correct horse battery', handle, displayName: handle };
}

type Json = Record<string, unknown>;

/** Mastodon's Create of a status, with the fields it always sends. */
function mastodonCreate(m: FakeMastodon, name: string, n: number, extra: Json & { cc: string[] }): Json {
  const actor = m.actor(name);
  const id = `${actor}/statuses/${n}`;
  const note = {
    id,
    type: 'Note',
    summary: null,
    inReplyTo: null,
    published: '2026-11-27T10:00:00Z',
    url: `${m.url}/@${name}/${n}`,
    attributedTo: actor,
    to: [PUBLIC],
    sensitive: false,
    atomUri: id,
    inReplyToAtomUri: null,
    conversation: `tag:127.0.0.1,2026-11-27:objectId=${n}:objectType=Conversation`,
    content: '<p>Bonjour</p>',
    contentMap: { fr: '<p>Bonjour</p>' },
    attachment: [],
    tag: [],
    replies: { id: `${id}/replies`, type: 'Collection', first: { type: 'CollectionPage', items: [] } },
    ...extra,
  };
  return {
    '@context': MASTODON_STATUS_CONTEXT,
    id: `${id}/activity`,
    type: 'Create',
    actor,
    published: note.published,
    to: note.to,
    cc: note.cc,
    object: note,
  };
}

for (const kind of databaseKinds()) {
  describe(`interoperability with Mastodon's JSON shapes [${kind}]`, function () {
    this.timeout(120_000);
    let a: TestInstance;
    let m: FakeMastodon;
    let alice: Agent;
    let mallory: string;
    let alicePost: { id: string; iri: string };
    const aliceIri = () => `${a.url}/users/alice`;
    const sharedInbox = () => `${a.url}/inbox`;

    before(async () => {
      a = await startTestInstance(kind);
      m = new FakeMastodon();
      await m.start();
      mallory = await m.addAccount('mallory', 'Mallory');
      alice = (await signUpAgent(a.url, person('alice'))).agent;
      const res = await alice.post('/api/v1/posts').send({ content: 'Réunion jeudi', visibility: 'public' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      alicePost = res.body;
    });
    after(async () => {
      await a?.close();
      await m?.close();
    });

    it('a Follow whose object is a bare IRI string is accepted, with the Follow embedded in the Accept', async () => {
      const follow = {
        '@context': AS,
        id: `${m.url}/4f3c-follow`,
        type: 'Follow',
        actor: mallory,
        object: aliceIri(),
      };
      assert.equal(await m.deliver('mallory', `${aliceIri()}/inbox`, follow), 202);
      const accept = await eventually('the Accept at Mastodon', async () => m.receivedOfType('Accept')[0]);
      assert.equal(accept.actor, aliceIri());
      const embedded = accept.object as Json;
      assert.equal(embedded.id, follow.id);
      assert.equal(embedded.actor, mallory);
      const followers = await listFollows(a.ctx.db, 'alice', 'inbound', { acceptedOnly: true });
      assert.deepEqual(
        followers.map((f) => f.actor.iri),
        [mallory],
      );
    });

    it('an Accept embedding our Follow, or naming it by id only, makes the follow accepted', async () => {
      const trent = await m.addAccount('trent');
      for (const [target, embed] of [
        [mallory, true],
        [trent, false],
      ] as const) {
        const result = await followRemote(a.ctx, 'alice', target);
        assert.ok(result.ok, JSON.stringify(result));
        const sent = await eventually('our Follow at Mastodon', async () =>
          m.receivedOfType('Follow').find((f) => f.object === target),
        );
        assert.equal(sent.actor, aliceIri());
        const name = target.split('/').pop() ?? '';
        const status = await m.deliver(name, sharedInbox(), {
          '@context': AS,
          id: `${target}#accepts/follows/1`,
          type: 'Accept',
          actor: target,
          object: embed ? { id: sent.id, type: 'Follow', actor: aliceIri(), object: target } : sent.id,
        });
        assert.equal(status, 202);
      }
      await eventually('both follows accepted', async () => {
        const rows = await listFollows(a.ctx.db, 'alice', 'outbound', { acceptedOnly: true });
        return rows.length === 2;
      });
    });

    it("a Mastodon reply to our post (cc the author's followers and ours, Mention tag) joins the thread", async () => {
      const create = mastodonCreate(m, 'mallory', 101, {
        inReplyTo: alicePost.iri,
        inReplyToAtomUri: alicePost.iri,
        cc: [`${mallory}/followers`, aliceIri()],
        content: `<p><span class="h-card"><a href="${a.url}/@alice" class="u-url mention">@<span>alice</span></a></span> J'y serai</p>`,
        tag: [{ type: 'Mention', href: aliceIri(), name: `@alice@${new URL(a.url).host}` }],
      });
      assert.equal(await m.deliver('mallory', `${aliceIri()}/inbox`, create), 202);
      const reply = await eventually('the reply in the thread', async () => {
        const res = await request(a.url).get(`/api/v1/posts/${alicePost.id}/context`);
        assert.equal(res.status, 200);
        return (res.body.descendants as { iri: string; content: string }[]).find(
          (p) => p.iri === `${mallory}/statuses/101`,
        );
      });
      assert.match(reply.content, /J'y serai|J&#39;y serai|J’y serai/);
    });

    it('our reply to a Mastodon status names its author in cc and in a Mention tag', async () => {
      const create = mastodonCreate(m, 'mallory', 102, { cc: [`${mallory}/followers`] });
      assert.equal(await m.deliver('mallory', sharedInbox(), create), 202);
      const parent = await eventually('the status stored', () =>
        findPostByIri(a.ctx.db, `${mallory}/statuses/102`),
      );
      const res = await alice
        .post('/api/v1/posts')
        .send({ content: 'Merci !', visibility: 'public', inReplyTo: parent.id });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const delivered = await eventually('our reply at Mastodon', async () =>
        m.receivedOfType('Create').find((c) => (c.object as Json).id === res.body.iri),
      );
      const note = delivered.object as Json;
      assert.equal(note.inReplyTo, `${mallory}/statuses/102`);
      assert.ok([note.cc].flat().includes(mallory), JSON.stringify(note.cc));
      const tags = [note.tag].flat() as Json[];
      assert.ok(
        tags.some(
          (t) => t.type === 'Mention' && t.href === mallory && t.name === `@mallory@${new URL(m.url).host}`,
        ),
        JSON.stringify(note.tag),
      );
      // The Note served at its URL says the same.
      const served = await request(a.url).get(new URL(res.body.iri).pathname).set('Accept', AP_ACCEPT);
      const tag = [JSON.parse(served.text).tag].flat() as Json[];
      assert.ok(
        tag.some((t) => t?.type === 'Mention' && t.href === mallory),
        served.text,
      );
    });

    it('a reply between two local personas mentions the parent author too', async () => {
      const bob = (await signUpAgent(a.url, person('bob'))).agent;
      const res = await bob.post('/api/v1/posts').send({ content: 'Moi aussi', inReplyTo: alicePost.id });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const served = await request(a.url).get(new URL(res.body.iri).pathname).set('Accept', AP_ACCEPT);
      const note = JSON.parse(served.text);
      const tags = [note.tag].flat() as Json[];
      assert.ok(
        tags.some(
          (t) => t?.type === 'Mention' && t.href === aliceIri() && t.name === `@alice@${new URL(a.url).host}`,
        ),
        served.text,
      );
    });

    it("Mastodon's Like and Announce of our post are counted, and their Undo (object embedded) removes them", async () => {
      const like = { id: `${mallory}#likes/77`, type: 'Like', actor: mallory, object: alicePost.iri };
      const announce = {
        id: `${mallory}/statuses/103/activity`,
        type: 'Announce',
        actor: mallory,
        published: '2026-11-27T11:00:00Z',
        to: [PUBLIC],
        cc: [aliceIri(), `${mallory}/followers`],
        object: alicePost.iri,
      };
      const counts = async () => (await request(a.url).get(`/api/v1/posts/${alicePost.id}`)).body.counts;
      assert.equal(await m.deliver('mallory', sharedInbox(), { '@context': AS, ...like }), 202);
      assert.equal(await m.deliver('mallory', sharedInbox(), { '@context': AS, ...announce }), 202);
      await eventually('like and announce counted', async () => {
        const c = await counts();
        return c.likes === 1 && c.announces === 1;
      });
      const undoLike = { '@context': AS, id: `${like.id}/undo`, type: 'Undo', actor: mallory, object: like };
      const undoAnnounce = {
        '@context': AS,
        id: `${mallory}/statuses/103#announces/1/undo`,
        type: 'Undo',
        actor: mallory,
        to: [PUBLIC],
        object: announce,
      };
      assert.equal(await m.deliver('mallory', sharedInbox(), undoLike), 202);
      assert.equal(await m.deliver('mallory', sharedInbox(), undoAnnounce), 202);
      await eventually('both undone', async () => {
        const c = await counts();
        return c.likes === 0 && c.announces === 0;
      });
    });

    it('an Undo naming the undone activity by its id only, or embedding a Follow without id, removes it, unfetched', async () => {
      const peggy = await m.addAccount('peggy');
      const post = await alice.post('/api/v1/posts').send({ content: 'Sondage', visibility: 'public' });
      assert.equal(post.status, 201, JSON.stringify(post.body));
      const ids = {
        follow: `${peggy}#follows/1`,
        like: `${peggy}#likes/1`,
        announce: `${peggy}/statuses/9/activity`,
      };
      const inbox = `${aliceIri()}/inbox`;
      const send = (activity: Json) =>
        m.deliver('peggy', inbox, { '@context': AS, actor: peggy, ...activity });
      assert.equal(await send({ id: ids.follow, type: 'Follow', object: aliceIri() }), 202);
      assert.equal(await send({ id: ids.like, type: 'Like', object: post.body.iri }), 202);
      assert.equal(
        await send({ id: ids.announce, type: 'Announce', to: [PUBLIC], object: post.body.iri }),
        202,
      );
      const state = async () => {
        const counts = (await request(a.url).get(`/api/v1/posts/${post.body.id}`)).body.counts;
        const followers = await listFollows(a.ctx.db, 'alice', 'inbound');
        return { ...counts, following: followers.some((f) => f.actor.iri === peggy) };
      };
      await eventually('follow, like and announce recorded', async () => {
        const s = await state();
        return s.likes === 1 && s.announces === 1 && s.following;
      });
      for (const [name, id] of Object.entries(ids)) {
        assert.equal(await send({ id: `${id}/undo`, type: 'Undo', object: id }), 202, name);
      }
      await eventually('all three undone', async () => {
        const s = await state();
        return s.likes === 0 && s.announces === 0 && !s.following;
      });
      // An Undo embedding a Follow without id (older Mastodon did so) ends the follow it describes.
      assert.equal(await send({ id: `${peggy}#follows/2`, type: 'Follow', object: aliceIri() }), 202);
      await eventually('following again', async () => (await state()).following);
      const idless = { type: 'Follow', actor: peggy, object: aliceIri() };
      assert.equal(await send({ id: `${peggy}#follows/2/undo`, type: 'Undo', object: idless }), 202);
      await eventually('the id-less Follow undone', async () => !(await state()).following);
    });

    it('an Update of a status (carrying `updated`) changes our copy; a Delete with a Tombstone removes it', async () => {
      const create = mastodonCreate(m, 'mallory', 104, { cc: [`${mallory}/followers`] });
      assert.equal(await m.deliver('mallory', sharedInbox(), create), 202);
      const iri = `${mallory}/statuses/104`;
      await eventually('the status stored', () => findPostByIri(a.ctx.db, iri));
      const note = {
        ...(create.object as Json),
        content: '<p>Bonjour à tous</p>',
        updated: '2026-11-27T12:00:00Z',
      };
      const update = {
        '@context': MASTODON_STATUS_CONTEXT,
        id: `${iri}#updates/1`,
        type: 'Update',
        actor: mallory,
        published: '2026-11-27T12:00:00Z',
        to: [PUBLIC],
        cc: [`${mallory}/followers`],
        object: note,
      };
      assert.equal(await m.deliver('mallory', sharedInbox(), update), 202);
      await eventually(
        'the edit',
        async () => (await findPostByIri(a.ctx.db, iri))?.content === '<p>Bonjour à tous</p>',
      );
      const del = {
        '@context': AS,
        id: `${iri}#delete`,
        type: 'Delete',
        actor: mallory,
        to: [PUBLIC],
        object: { id: iri, type: 'Tombstone', atomUri: iri },
      };
      assert.equal(await m.deliver('mallory', sharedInbox(), del), 202);
      await eventually('the deletion', async () => (await findPostByIri(a.ctx.db, iri))?.deletedAt);
    });

    it("our edit reaches Mastodon's shared inbox as an Update whose Note carries `updated`; our delete as a Tombstone", async () => {
      const res = await alice.post('/api/v1/posts').send({ content: 'Version 1', visibility: 'public' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const iri = res.body.iri as string;
      const about = (type: string) => () =>
        Promise.resolve(
          m.received.findIndex((x) => x.type === type && ((x.object as Json)?.id ?? x.object) === iri),
        );
      const created = await eventually('the Create at Mastodon', async () => (await about('Create')()) + 1);
      assert.equal(m.receivedAt[created - 1], '/inbox', 'delivered to the shared inbox');
      assert.equal(
        (await alice.patch(`/api/v1/posts/${res.body.id}`).send({ content: 'Version 2' })).status,
        200,
      );
      const updated = await eventually('the Update at Mastodon', async () => (await about('Update')()) + 1);
      const update = m.received[updated - 1]!;
      const note = update.object as Json;
      assert.equal(note.type, 'Note');
      assert.equal(note.content, '<p>Version 2</p>');
      assert.ok(
        typeof note.updated === 'string' && note.updated > (note.published as string),
        JSON.stringify(note),
      );
      assert.equal((await alice.delete(`/api/v1/posts/${res.body.id}`)).status, 204);
      const deleted = await eventually('the Delete at Mastodon', async () => (await about('Delete')()) + 1);
      const tombstone = m.received[deleted - 1]!.object as Json;
      assert.equal(tombstone.type, 'Tombstone');
      assert.equal(m.received[deleted - 1]!.actor, aliceIri());
    });

    it('an Update of a Person refreshes our cached copy of the actor', async () => {
      m.rename('mallory', 'Mallory Martin');
      const update = {
        '@context': AS,
        id: `${mallory}#updates/1700000000`,
        type: 'Update',
        actor: mallory,
        to: [PUBLIC],
        object: m.actorDocument('mallory'),
      };
      assert.equal(await m.deliver('mallory', sharedInbox(), update), 202);
      await eventually(
        'the new name',
        async () => (await findRemoteActorByIri(a.ctx.db, mallory))?.displayName === 'Mallory Martin',
      );
    });

    it('a Delete of an actor whose document (and key) already answers 410 is accepted and forgets the actor', async () => {
      const ghost = await m.addAccount('ghost');
      // Known here (it followed somebody), but its key was never fetched, so nothing is cached.
      await upsertRemoteActor(a.ctx.db, {
        iri: ghost,
        handle: `@ghost@${new URL(m.url).host}`,
        type: 'Person',
        displayName: 'Ghost',
        summary: '',
        avatarUrl: null,
        url: null,
        inbox: `${ghost}/inbox`,
        sharedInbox: `${m.url}/inbox`,
      });
      m.markGone('ghost');
      const status = await m.deliver('ghost', sharedInbox(), {
        '@context': AS,
        id: `${ghost}#delete`,
        type: 'Delete',
        actor: ghost,
        to: [PUBLIC],
        object: ghost,
      });
      assert.equal(status, 202);
      assert.equal(await findRemoteActorByIri(a.ctx.db, ghost), undefined);
    });
  });
}
