import assert from 'node:assert/strict';
import type { PostView } from '../models/posts.queries.ts';
import type { PageContext } from '../web/context.ts';
import { translator } from '../web/i18n/index.ts';
import { postArticle, remoteHref } from '../web/views/posts.view.ts';

const pc = {
  lang: 'fr',
  t: translator('fr'),
  csrf: () => 'token',
  path: '/',
  account: undefined,
  personas: [],
  activePersona: undefined,
  instance: { name: 'Test', description: '' },
} as unknown as PageContext;

function remotePost(url: string): PostView {
  return {
    id: '01a21db8-bbb7-75cd-8d36-fc67e05a509e',
    iri: 'https://remote.example/notes/1',
    url,
    local: false,
    author: {
      kind: 'remote',
      handle: '@eve@remote.example',
      displayName: '<b>Eve</b>',
      avatarUrl: null,
      url,
    },
    content: '<p>Bonjour</p>',
    language: 'en',
    visibility: 'public',
    inReplyTo: { id: null, iri: url },
    published: '2026-11-27T10:00:00.000Z',
    updated: null,
    deleted: false,
    counts: { replies: 0, likes: 0, announces: 0 },
  };
}

describe('web post rendering', () => {
  it('links only http(s) URLs from other servers', () => {
    assert.equal(remoteHref('https://remote.example/@eve'), 'https://remote.example/@eve');
    assert.equal(remoteHref('javascript:alert(1)'), '#');
    assert.equal(remoteHref(' data:text/html,x'), '#');
    assert.equal(remoteHref(null), '#');
  });

  it('a remote post with a hostile URL and name renders neither as markup nor as a script link', () => {
    const out = postArticle(pc, remotePost('javascript:alert(1)'), 'h2', { threadLink: true }).value;
    assert.doesNotMatch(out, /javascript:/);
    assert.doesNotMatch(out, /<b>Eve/);
    assert.match(out, /&lt;b&gt;Eve&lt;\/b&gt;/);
    assert.match(out, /<span class="badge-unverified">voix du fédivers, non vérifiée<\/span>/);
    assert.match(out, /<div class="post-content" lang="en"><p>Bonjour<\/p><\/div>/);
    assert.match(out, /<time datetime="2026-11-27T10:00:00.000Z">/);
  });
});
