import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { signUp } from '../models/accounts.ops.ts';
import { type DomainEvent, DomainEvents } from '../models/events.ts';
import { upsertRemoteActor } from '../models/federation.ops.ts';
import { homeFeed, publicTimeline } from '../models/feeds.queries.ts';
import { acceptOutboundFollow, createOutboundFollow } from '../models/follows.ops.ts';
import { createInstitution } from '../models/institutions.ops.ts';
import { createPersona, deletePersona } from '../models/personas.ops.ts';
import { renderPlainText } from '../models/post-text.ts';
import { deletePost, editPost, publishPost, resolveAuthor } from '../models/posts.ops.ts';
import { type Author, getPostView, getThread } from '../models/posts.queries.ts';
import {
  deleteActorPosts,
  deleteRemotePost,
  recordReaction,
  undoReaction,
  updateRemotePost,
  upsertRemotePost,
} from '../models/remote-posts.ops.ts';
import { accounts, postAnnounces, posts } from '../models/schema/index.ts';
import { forEachDatabase } from './support/databases.ts';

const origin = new URL('https://parvis.example');
const remoteIri = 'https://mastodon.example/users/bob';

forEachDatabase('posts', (get) => {
  let events: DomainEvents;
  const seen: DomainEvent[] = [];
  let alice: Author;
  let aliceAccount: string;
  let carol: Author;
  let carolAccount: string;

  before(async () => {
    events = new DomainEvents();
    for (const type of ['post.published', 'post.updated', 'post.deleted'] as const) {
      events.on(type, (e) => void seen.push(e));
    }
    const ctx = { db: get().db, events };
    const a = await signUp(ctx, {
      email: 'alice@example.org',
      password: 'long enough pw',
      handle: 'alice',
      displayName: 'Alice',
    });
    const c = await signUp(ctx, {
      email: 'carol@example.org',
      password: 'long enough pw',
      handle: 'carol',
      displayName: 'Carol',
    });
    assert.ok(a.ok && c.ok);
    aliceAccount = a.account.id;
    carolAccount = c.account.id;
    const ra = await resolveAuthor(get().db, a.account.id);
    const rc = await resolveAuthor(get().db, c.account.id);
    assert.ok(ra.ok && rc.ok);
    alice = ra.author;
    carol = rc.author;
    await upsertRemoteActor(get().db, {
      iri: remoteIri,
      handle: '@bob@mastodon.example',
      type: 'Person',
      displayName: 'Bob',
      summary: '',
      avatarUrl: 'https://mastodon.example/bob.png',
      url: 'https://mastodon.example/@bob',
      inbox: `${remoteIri}/inbox`,
      sharedInbox: 'https://mastodon.example/inbox',
    });
  });

  const ctx = () => ({ db: get().db, events });

  it('renders plain text as escaped HTML with paragraphs, line breaks and links', () => {
    const html = renderPlainText('Hello <b>town</b>\nsee https://example.org/a?b=1&c=2.\n\nSecond');
    assert.equal(
      html,
      '<p>Hello &lt;b&gt;town&lt;/b&gt;<br>see <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer" target="_blank">https://example.org/a?b=1&amp;c=2</a>.</p><p>Second</p>',
    );
  });

  it('a persona publishes a public post, which emits post.published and shows in the public timeline', async () => {
    const r = await publishPost(ctx(), alice, { content: 'Le parc ouvre samedi', visibility: 'public' });
    assert.ok(r.ok);
    assert.ok(seen.some((e) => e.type === 'post.published' && e.postId === r.post.id));
    const timeline = await publicTimeline(get().db, origin);
    const view = timeline.items.find((p) => p.id === r.post.id);
    assert.ok(view);
    assert.equal(view.author.handle, 'alice');
    assert.equal(view.iri, `https://parvis.example/posts/${r.post.id}`);
    assert.equal(view.content, '<p>Le parc ouvre samedi</p>');
  });

  it('an empty or overlong post is refused and stores nothing', async () => {
    const before = (await get().db.select().from(posts)).length;
    assert.deepEqual(await publishPost(ctx(), alice, { content: '   ', visibility: 'public' }), {
      ok: false,
      reason: 'empty',
    });
    assert.deepEqual(await publishPost(ctx(), alice, { content: 'x'.repeat(5001), visibility: 'public' }), {
      ok: false,
      reason: 'too-long',
    });
    assert.equal((await get().db.select().from(posts)).length, before);
  });

  it('a reply to a missing local post is refused', async () => {
    const r = await publishPost(ctx(), alice, {
      content: 'hm',
      visibility: 'public',
      inReplyTo: { postId: '01900000-0000-7000-8000-000000000000' },
    });
    assert.deepEqual(r, { ok: false, reason: 'parent-not-found' });
  });

  it('only the author edits or deletes a post; the others get not-found', async () => {
    const r = await publishPost(ctx(), alice, { content: 'v1', visibility: 'public' });
    assert.ok(r.ok);
    assert.deepEqual(await editPost(ctx(), carol, r.post.id, 'hacked'), { ok: false, reason: 'not-found' });
    assert.deepEqual(await deletePost(ctx(), carol, r.post.id), { ok: false, reason: 'not-found' });
    const edited = await editPost(ctx(), alice, r.post.id, 'v2');
    assert.ok(edited.ok);
    assert.equal(edited.post.content, '<p>v2</p>');
    assert.ok(edited.post.updated);
    assert.deepEqual(await deletePost(ctx(), alice, r.post.id), { ok: true });
    const view = await getPostView(get().db, origin, r.post.id);
    assert.ok(view?.deleted);
    assert.equal(view.content, '');
    assert.deepEqual(await editPost(ctx(), alice, r.post.id, 'v3'), { ok: false, reason: 'not-found' });
    assert.ok(seen.some((e) => e.type === 'post.deleted' && e.postId === r.post.id));
  });

  it('a followers-only post is hidden from anonymous readers and other personas, shown to its author', async () => {
    const r = await publishPost(ctx(), alice, { content: 'entre nous', visibility: 'followers' });
    assert.ok(r.ok);
    assert.equal(await getPostView(get().db, origin, r.post.id), undefined);
    assert.equal(await getPostView(get().db, origin, r.post.id, carol), undefined);
    assert.ok(await getPostView(get().db, origin, r.post.id, alice));
    const timeline = await publicTimeline(get().db, origin);
    assert.ok(!timeline.items.some((p) => p.id === r.post.id));
  });

  it('an institution post needs an admin; a resident cannot speak for the institution', async () => {
    const inst = await createInstitution(get().db, { handle: 'mairie', name: 'Mairie' });
    assert.ok(inst.ok);
    assert.deepEqual(await resolveAuthor(get().db, aliceAccount, 'mairie'), {
      ok: false,
      reason: 'forbidden',
    });
    await get().db.update(accounts).set({ role: 'admin' }).where(eq(accounts.id, aliceAccount));
    const as = await resolveAuthor(get().db, aliceAccount, 'mairie');
    assert.ok(as.ok);
    assert.equal(as.author.kind, 'institution');
    const r = await publishPost(ctx(), as.author, { content: 'Travaux rue Haute', visibility: 'public' });
    assert.ok(r.ok);
    const view = await getPostView(get().db, origin, r.post.id);
    assert.equal(view?.author.kind, 'institution');
    assert.equal(view?.author.displayName, 'Mairie');
  });

  it('a remote reply to a local post joins its thread, and is stored once when redelivered', async () => {
    const root = await publishPost(ctx(), alice, { content: 'Question ?', visibility: 'public' });
    assert.ok(root.ok);
    const input = {
      iri: 'https://mastodon.example/statuses/1',
      authorActorIri: remoteIri,
      content: '<p>Réponse</p>',
      language: 'fr',
      visibility: 'public' as const,
      inReplyTo: { postId: root.post.id },
      url: null,
      published: new Date(),
      updated: null,
    };
    const first = await upsertRemotePost(get().db, input);
    const second = await upsertRemotePost(get().db, input);
    assert.ok(first.ok && first.created);
    assert.ok(second.ok && !second.created);
    const own = await publishPost(ctx(), carol, {
      content: 'Et moi',
      visibility: 'public',
      inReplyTo: { iri: 'https://mastodon.example/statuses/1' },
    });
    assert.ok(own.ok);
    const thread = await getThread(get().db, origin, root.post.id);
    assert.deepEqual(
      thread?.descendants.map((p) => p.id),
      [first.post.id, own.post.id],
    );
    assert.equal(thread?.descendants[0]?.author.handle, '@bob@mastodon.example');
    assert.equal(thread?.post.counts.replies, 1);
    const up = await getThread(get().db, origin, own.post.id);
    assert.deepEqual(
      up?.ancestors.map((p) => p.id),
      [root.post.id, first.post.id],
    );
  });

  it('posts of a remote actor nobody here follows are dropped unless public replies to a stored post', async () => {
    const input = {
      iri: 'https://mastodon.example/statuses/private',
      authorActorIri: remoteIri,
      content: '<p>p</p>',
      language: null,
      visibility: 'followers' as const,
      inReplyTo: null,
      url: null,
      published: new Date(),
      updated: null,
    };
    assert.deepEqual(await upsertRemotePost(get().db, input), { ok: false, reason: 'not-followed' });
    const unsolicited = {
      ...input,
      iri: 'https://mastodon.example/statuses/spam',
      visibility: 'public' as const,
    };
    assert.deepEqual(await upsertRemotePost(get().db, unsolicited), { ok: false, reason: 'not-followed' });
    const mention = {
      ...unsolicited,
      iri: 'https://mastodon.example/statuses/question',
      mentionsLocal: true,
    };
    const kept = await upsertRemotePost(get().db, mention);
    assert.ok(kept.ok && kept.created, 'a public post mentioning a local actor is kept');
    const [bob] = await get().db.query.remoteActors.findMany();
    assert.ok(bob);
    const f = await createOutboundFollow(get().db, {
      localActor: 'carol',
      remoteActorId: bob.id,
      activityIri: 'https://parvis.example/follows/1',
    });
    assert.ok(f.ok);
    await acceptOutboundFollow(get().db, 'https://parvis.example/follows/1', bob.id);
    const stored = await upsertRemotePost(get().db, input);
    assert.ok(stored.ok);
    // Carol follows Bob: she sees it in her home feed; Alice and anonymous readers do not.
    const carolFeed = await homeFeed(get().db, origin, carol);
    assert.ok(carolFeed.items.some((p) => p.id === stored.post.id));
    const aliceFeed = await homeFeed(get().db, origin, alice);
    assert.ok(!aliceFeed.items.some((p) => p.id === stored.post.id));
    assert.equal(await getPostView(get().db, origin, stored.post.id), undefined);
    assert.ok(await getPostView(get().db, origin, stored.post.id, carol));
  });

  it('a reply that arrives before its parent is attached once the parent arrives', async () => {
    const base = { authorActorIri: remoteIri, content: '<p>x</p>', language: null, url: null, updated: null };
    const child = await upsertRemotePost(get().db, {
      ...base,
      iri: 'https://mastodon.example/statuses/child',
      visibility: 'public',
      inReplyTo: { iri: 'https://mastodon.example/statuses/parent' },
      published: new Date(),
    });
    const parent = await upsertRemotePost(get().db, {
      ...base,
      iri: 'https://mastodon.example/statuses/parent',
      visibility: 'public',
      inReplyTo: null,
      published: new Date(),
    });
    assert.ok(child.ok && parent.ok);
    const thread = await getThread(get().db, origin, parent.post.id);
    assert.deepEqual(
      thread?.descendants.map((p) => p.id),
      [child.post.id],
    );
  });

  it('only the remote author may update or delete its post, and a non-author Create is refused', async () => {
    const iri = 'https://mastodon.example/statuses/2';
    const created = await upsertRemotePost(get().db, {
      iri,
      authorActorIri: remoteIri,
      content: '<p>a</p>',
      language: null,
      visibility: 'public',
      inReplyTo: null,
      url: null,
      published: new Date(),
      updated: null,
    });
    assert.ok(created.ok);
    const mallory = 'https://evil.example/users/mallory';
    const hijack = await upsertRemotePost(get().db, {
      iri,
      authorActorIri: mallory,
      content: '<p>pwned</p>',
      language: null,
      visibility: 'public',
      inReplyTo: null,
      url: null,
      published: new Date(),
      updated: null,
    });
    assert.deepEqual(hijack, { ok: false, reason: 'not-author' });
    const badUpdate = await updateRemotePost(get().db, {
      iri,
      actorIri: mallory,
      content: '<p>pwned</p>',
      language: null,
      updated: null,
    });
    assert.deepEqual(badUpdate, { ok: false, reason: 'not-author' });
    assert.deepEqual(await deleteRemotePost(get().db, { iri, actorIri: mallory }), {
      ok: false,
      reason: 'not-author',
    });
    const ok = await updateRemotePost(get().db, {
      iri,
      actorIri: remoteIri,
      content: '<p>b</p>',
      language: null,
      updated: new Date(),
    });
    assert.ok(ok.ok);
    assert.equal(ok.post.content, '<p>b</p>');
    const del = await deleteRemotePost(get().db, { iri, actorIri: remoteIri });
    assert.ok(del.ok && del.post.deletedAt);
  });

  it('the home feed pages with a cursor, newest first, without repeats', async () => {
    for (let i = 0; i < 5; i++) await publishPost(ctx(), carol, { content: `n${i}`, visibility: 'public' });
    const seenIds = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await homeFeed(get().db, origin, carol, cursor, 2);
      for (const item of page.items) {
        assert.ok(!seenIds.has(item.id));
        seenIds.add(item.id);
      }
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor && pages < 20);
    assert.ok(seenIds.size >= 6);
  });

  it("a deleted persona's posts leave the feeds and read as deleted in threads", async () => {
    const created = await createPersona(ctx(), carolAccount, {
      handle: 'carol_bis',
      displayName: 'Carol bis',
    });
    assert.ok(created.ok);
    const author: Author = { kind: 'persona', id: created.persona.id, handle: 'carol_bis' };
    const r = await publishPost(ctx(), author, { content: 'bientôt effacé', visibility: 'public' });
    assert.ok(r.ok);
    assert.deepEqual(await deletePersona(ctx(), carolAccount, 'carol_bis'), { ok: true });
    const timeline = await publicTimeline(get().db, origin, { limit: 50 });
    assert.ok(!timeline.items.some((p) => p.id === r.post.id));
    const view = await getPostView(get().db, origin, r.post.id);
    assert.equal(view?.deleted, true);
    assert.equal(view?.content, '');
  });

  it('likes and announces count once per actor and activity, and Undo by another actor removes nothing', async () => {
    const r = await publishPost(ctx(), alice, { content: 'likeable', visibility: 'public' });
    assert.ok(r.ok);
    const like = { postId: r.post.id, actorIri: remoteIri, activityIri: 'https://mastodon.example/likes/1' };
    assert.deepEqual(await recordReaction(get().db, 'like', like), { ok: true, created: true });
    assert.deepEqual(await recordReaction(get().db, 'like', like), { ok: true, created: false });
    await recordReaction(get().db, 'announce', { ...like, activityIri: 'https://mastodon.example/ann/1' });
    let view = await getPostView(get().db, origin, r.post.id);
    assert.deepEqual(view?.counts, { replies: 0, likes: 1, announces: 1 });
    const foreign = await undoReaction(get().db, 'like', {
      actorIri: 'https://evil.example/users/m',
      activityIri: like.activityIri,
    });
    assert.deepEqual(foreign, { ok: true, removed: false });
    await undoReaction(get().db, 'like', { actorIri: remoteIri, activityIri: like.activityIri });
    view = await getPostView(get().db, origin, r.post.id);
    assert.equal(view?.counts.likes, 0);
  });

  it('a reaction to a post we do not have, or no longer have, is refused and stores nothing', async () => {
    const r = await publishPost(ctx(), alice, { content: 'soon gone', visibility: 'public' });
    assert.ok(r.ok);
    const like = { actorIri: remoteIri, activityIri: 'https://mastodon.example/likes/gone' };
    const notFound = { ok: false, reason: 'post-not-found' };
    assert.deepEqual(await recordReaction(get().db, 'like', { ...like, postId: 'not-a-uuid' }), notFound);
    assert.deepEqual(
      await recordReaction(get().db, 'like', { ...like, postId: '0190a6b2-0000-7000-8000-000000000000' }),
      notFound,
    );
    assert.ok((await deletePost(ctx(), alice, r.post.id)).ok);
    assert.deepEqual(await recordReaction(get().db, 'announce', { ...like, postId: r.post.id }), notFound);
    const stored = await get().db.select().from(postAnnounces).where(eq(postAnnounces.postId, r.post.id));
    assert.equal(stored.length, 0);
  });

  it("a remote actor's deletion empties its posts and removes its likes", async () => {
    const ghost = 'https://gone.example/users/ghost';
    const root = await publishPost(ctx(), alice, { content: 'fil', visibility: 'public' });
    assert.ok(root.ok);
    const reply = await upsertRemotePost(get().db, {
      iri: 'https://gone.example/statuses/1',
      authorActorIri: ghost,
      content: '<p>bientôt parti</p>',
      language: null,
      visibility: 'public',
      inReplyTo: { postId: root.post.id },
      url: null,
      published: new Date(),
      updated: null,
    });
    assert.ok(reply.ok);
    await recordReaction(get().db, 'like', {
      postId: root.post.id,
      actorIri: ghost,
      activityIri: 'https://gone.example/l/1',
    });
    assert.equal(await deleteActorPosts(get().db, ghost), 1);
    const thread = await getThread(get().db, origin, root.post.id);
    assert.equal(thread?.descendants[0]?.deleted, true);
    assert.equal(thread?.descendants[0]?.content, '');
    assert.equal(thread?.post.counts.likes, 0);
  });
});
