import assert from 'node:assert/strict';
import { upsertRemoteActor } from '../models/federation.ops.ts';
import { findPostByIri } from '../models/posts.queries.ts';
import { updateRemotePost, upsertRemotePost } from '../models/remote-posts.ops.ts';
import { forEachDatabase } from './support/databases.ts';

const ACTOR = 'https://masto.example/users/mallory';

forEachDatabase('remote posts changed by their author', (get) => {
  before(async () => {
    await upsertRemoteActor(get().db, {
      iri: ACTOR,
      handle: '@mallory@masto.example',
      type: 'Person',
      displayName: 'Mallory',
      summary: '',
      avatarUrl: null,
      url: null,
      inbox: `${ACTOR}/inbox`,
      sharedInbox: 'https://masto.example/inbox',
    });
  });

  async function stored(n: number) {
    const iri = `${ACTOR}/statuses/${n}`;
    const result = await upsertRemotePost(get().db, {
      iri,
      authorActorIri: ACTOR,
      content: '<p>v1</p>',
      language: 'fr',
      visibility: 'public',
      inReplyTo: null,
      url: null,
      published: new Date('2026-11-27T10:00:00Z'),
      updated: null,
      mentionsLocal: true,
    });
    assert.ok(result.ok, JSON.stringify(result));
    return iri;
  }

  const edit = (iri: string, content: string, updated: string | null) =>
    updateRemotePost(get().db, {
      iri,
      actorIri: ACTOR,
      content,
      language: 'fr',
      updated: updated ? new Date(updated) : null,
    });

  it('an Update older than the version stored (a late retry) changes nothing', async () => {
    const iri = await stored(1);
    assert.ok((await edit(iri, '<p>v3</p>', '2026-11-27T12:00:00Z')).ok);
    const late = await edit(iri, '<p>v2</p>', '2026-11-27T11:00:00Z');
    assert.deepEqual(late, { ok: false, reason: 'stale' });
    const post = await findPostByIri(get().db, iri);
    assert.equal(post?.content, '<p>v3</p>');
    assert.equal(post?.updated?.toISOString(), '2026-11-27T12:00:00.000Z');
  });

  it('newer Updates apply in turn; one without a date applies too', async () => {
    const iri = await stored(2);
    assert.ok((await edit(iri, '<p>v2</p>', '2026-11-27T11:00:00Z')).ok);
    assert.ok((await edit(iri, '<p>v3</p>', '2026-11-27T12:00:00Z')).ok);
    assert.equal((await findPostByIri(get().db, iri))?.content, '<p>v3</p>');
    assert.ok((await edit(iri, '<p>v4</p>', null)).ok);
    assert.equal((await findPostByIri(get().db, iri))?.content, '<p>v4</p>');
  });

  it('an Update by somebody else than the author is refused and changes nothing', async () => {
    const iri = await stored(3);
    const result = await updateRemotePost(get().db, {
      iri,
      actorIri: 'https://masto.example/users/eve',
      content: '<p>pirate</p>',
      language: null,
      updated: new Date('2026-11-28T00:00:00Z'),
    });
    assert.deepEqual(result, { ok: false, reason: 'not-author' });
    assert.equal((await findPostByIri(get().db, iri))?.content, '<p>v1</p>');
  });
});
