import assert from 'node:assert/strict';
import { FEDERATION_PATH_RE, INBOX_PATH_RE } from '../federation/constants.ts';

describe('which requests reach Fedify', () => {
  it('every path Fedify serves does', () => {
    for (const path of [
      '/.well-known/webfinger',
      '/.well-known/nodeinfo',
      '/nodeinfo/2.1',
      '/users/mairie',
      '/users/instance.actor',
      '/users/mairie/inbox',
      '/users/mairie/outbox',
      '/users/mairie/followers',
      '/users/mairie/following',
      '/inbox',
      '/follows/0192f7d4-8e9a-7c3b-a000-000000000000',
      '/posts/0192f7d4-8e9a-7c3b-a000-000000000000',
      '/posts/0192f7d4-8e9a-7c3b-a000-000000000000/replies',
    ])
      assert.ok(FEDERATION_PATH_RE.test(path), path);
  });

  it('pages, the API and static files do not (Fedify would only answer 404 and log it)', () => {
    for (const path of [
      '/',
      '/feed',
      '/@mairie',
      '/login',
      '/settings/personas',
      '/admin/instances',
      '/api/v1/posts',
      '/static/parvis.css',
      '/.well-known/security.txt',
      '/inboxes',
      '/users',
    ])
      assert.ok(!FEDERATION_PATH_RE.test(path), path);
  });

  it('every inbox path is a federation path', () => {
    for (const path of ['/inbox', '/inbox/', '/users/a/inbox', '/users/a/inbox/']) {
      assert.ok(INBOX_PATH_RE.test(path) && FEDERATION_PATH_RE.test(path), path);
    }
  });
});
