import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import type { Db } from '../models/db.ts';
import type { Agent } from './support/api.ts';
import { signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { AP_ACCEPT, eventually } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

type Persona = { handle: string; displayName: string };

async function rows(db: Db, query: string): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(sql.raw(query))) as unknown as { rows: Record<string, unknown>[] };
  return result.rows;
}

/** Every same-origin URL named in a text: JSON strings, href/src attributes, Link headers. */
function urlsIn(text: string, origin: string): string[] {
  const found = new Set<string>();
  const escaped = origin.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  for (const m of text.matchAll(new RegExp(`${escaped}[^"'\\s<>\\\\]*`, 'g'))) found.add(m[0]);
  for (const m of text.matchAll(/(?:href|src)="(\/[^"/][^"]*)"/g))
    found.add(new URL(m[1]!.replaceAll('&amp;', '&'), origin).href);
  return [...found];
}

/**
 * Fetches everything reachable from a persona's public entry points, as an anonymous visitor,
 * in HTML, JSON and ActivityPub, following links that stay on the persona's own documents and
 * posts. Returns every answer (status line, headers and body) as text.
 */
async function crawl(instance: TestInstance, handle: string, extra: string[]): Promise<Map<string, string>> {
  const origin = instance.url;
  const host = new URL(origin).host;
  const mine = (path: string) =>
    path === `/@${handle}` ||
    (path.startsWith(`/users/${handle}`) && !path.endsWith('/inbox')) ||
    path.startsWith(`/api/v1/personas/${handle}`) ||
    /^\/(?:api\/v1\/)?posts\/[0-9a-f-]{36}(?:\/replies|\/context)?$/.test(path) ||
    path.startsWith('/follows/') ||
    path.startsWith('/.well-known/') ||
    path.startsWith('/nodeinfo/');
  const queue = [
    `/@${handle}`,
    `/users/${handle}`,
    `/api/v1/personas/${handle}`,
    `/api/v1/personas/${handle}/followers`,
    `/.well-known/webfinger?resource=acct:${handle}@${host}`,
    `/.well-known/nodeinfo`,
    ...extra,
  ].map((p) => new URL(p, origin).href);
  const seen = new Map<string, string>();
  while (queue.length > 0) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    const path = new URL(url).pathname;
    const answers: string[] = [];
    for (const accept of ['text/html', AP_ACCEPT, 'application/json']) {
      const res = await request(origin)
        .get(url.slice(origin.length))
        .set('Accept', accept)
        .buffer(true)
        .parse((r, cb) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (chunk: string) => {
            body += chunk;
          });
          r.on('end', () => cb(null, body));
        });
      const text = `${res.status} ${JSON.stringify(res.headers)}\n${String(res.body ?? '')}`;
      answers.push(text);
      for (const next of urlsIn(text, origin)) {
        const u = new URL(next);
        u.hash = '';
        if (mine(u.pathname) && !seen.has(u.href)) queue.push(u.href);
      }
    }
    // A post also has its JSON API documents.
    const post = /^\/posts\/([0-9a-f-]{36})$/.exec(path)?.[1];
    if (post) {
      for (const p of [`/api/v1/posts/${post}`, `/api/v1/posts/${post}/context`])
        queue.push(new URL(p, origin).href);
    }
    seen.set(url, answers.join('\n'));
  }
  return seen;
}

for (const kind of databaseKinds()) {
  describe(`privacy audit: one account, several personas, two live instances [${kind}]`, function () {
    this.timeout(240_000);
    let a: TestInstance;
    let b: TestInstance;
    let owner: Agent;
    let remote: Agent;
    let remoteHandle: string;
    let mailbox: string;
    const tag = randomBytes(3).toString('hex');
    // Handles and names share nothing with each other or the e-mail, so any appearance is a leak.
    const personas: Persona[] = [
      { handle: `qa${tag}`, displayName: `Capucine ${tag}X` },
      { handle: `wb${tag}`, displayName: `Barnabé ${tag}Y` },
      { handle: `zc${tag}`, displayName: `Ombeline ${tag}Z` },
    ];
    const gone: Persona = { handle: `vd${tag}`, displayName: `Eulalie ${tag}W` };
    let forbiddenIds: string[] = [];

    before(async () => {
      [a, b] = await Promise.all([startTestInstance(kind), startTestInstance(kind)]);
      mailbox = `courrier${randomBytes(4).toString('hex')}`;
      const first = personas[0]!;
      const signed = await signUpAgent(a.url, {
        email: `${mailbox}@mairie.example`,
        password: 'correct horse battery',
        handle: first.handle,
        displayName: first.displayName,
      });
      owner = signed.agent;
      for (const p of [...personas.slice(1), gone]) {
        await owner.post('/api/v1/me/personas').send(p).expect(201);
      }
      const r = await signUpAgent(b.url);
      remote = r.agent;
      remoteHandle = r.identity.handle;
      const remoteActor = `${b.url}/users/${remoteHandle}`;

      for (const p of [...personas, gone]) {
        // Each persona follows the remote actor, and is followed by it, so posts reach B.
        await owner.post('/api/v1/me/follows').send({ persona: p.handle, target: remoteActor }).expect(201);
        await remote
          .post('/api/v1/me/follows')
          .send({ target: `${a.url}/users/${p.handle}` })
          .expect(201);
      }
      await eventually('every follow accepted', async () => {
        const out = (await remote.get('/api/v1/me/following')).body.follows as { state: string }[];
        if (out.length !== 4 || out.some((f) => f.state !== 'accepted')) return false;
        for (const p of [...personas, gone]) {
          const mine = (await owner.get(`/api/v1/me/following?persona=${p.handle}`)).body.follows as {
            state: string;
          }[];
          if (mine[0]?.state !== 'accepted') return false;
        }
        return true;
      });
      for (const p of [...personas, gone]) {
        await owner.post(`/api/v1/me/personas/${p.handle}/activate`).expect(200);
        await owner
          .post('/api/v1/posts')
          .send({ content: `Bonjour de ${p.handle}` })
          .expect(201);
        await owner.post('/api/v1/posts').send({ content: 'Réservé', visibility: 'followers' }).expect(201);
      }
      // A profile change federates an Update.
      await owner
        .patch(`/api/v1/me/personas/${personas[1]!.handle}`)
        .send({ bio: 'Quartier nord' })
        .expect(200);
      await eventually('the posts stored on B', async () => {
        const [n] = await rows(
          b.database.db,
          `SELECT count(*)::int AS n FROM posts WHERE author_actor_iri LIKE '${a.url}/users/%'`,
        );
        return n?.n === 8;
      });
      await owner.delete(`/api/v1/me/personas/${gone.handle}`).expect(204);
      await eventually('the deleted persona forgotten by B', async () => {
        const left = await rows(
          b.database.db,
          `SELECT iri FROM remote_actors WHERE iri = '${a.url}/users/${gone.handle}'`,
        );
        return left.length === 0;
      });

      const ids = await rows(a.database.db, 'SELECT id FROM personas UNION ALL SELECT id FROM accounts');
      forbiddenIds = ids.map((r) => String(r.id));
      assert.equal(forbiddenIds.length, 4 + 1, 'four personas and one account on A');
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    /** What no document about `self` may contain: the e-mail, any id, the other personas. */
    function assertClean(what: string, text: string, self: Persona | undefined) {
      assert.ok(!text.includes(mailbox), `${what} shows the e-mail`);
      for (const id of forbiddenIds) assert.ok(!text.includes(id), `${what} shows an account or persona id`);
      for (const other of [...personas, gone]) {
        if (other === self) continue;
        assert.ok(!text.includes(other.handle), `${what} names @${other.handle}`);
        assert.ok(!text.includes(other.displayName), `${what} shows ${other.displayName}`);
      }
    }

    it('nothing reachable from one persona on its instance names another persona, the e-mail or an id', async () => {
      for (const p of personas) {
        const follows = await rows(
          a.database.db,
          `SELECT activity_iri FROM follows WHERE local_actor = '${p.handle}' AND direction = 'outbound'`,
        );
        const docs = await crawl(
          a,
          p.handle,
          follows.map((f) => String(f.activity_iri)),
        );
        assert.ok(docs.size >= 10, `${p.handle}: ${[...docs.keys()].join(' ')}`);
        assert.ok(
          [...docs.keys()].some((u) => u.includes('/posts/')),
          'the crawl reached the persona’s posts',
        );
        for (const [url, text] of docs) {
          assertClean(url, text, p);
          if (url.endsWith(`/@${p.handle}`)) assert.match(text, /noindex/, 'the persona page is not indexed');
        }
      }
    });

    it('the deleted persona answers a bare tombstone, and no document names it', async () => {
      const actor = await request(a.url).get(`/users/${gone.handle}`).set('Accept', AP_ACCEPT);
      assert.equal(actor.status, 410);
      assertClean('the tombstone', actor.text, gone);
      assert.ok(!actor.text.includes(gone.displayName), 'the tombstone carries no name');
      assert.equal((await request(a.url).get(`/@${gone.handle}`)).status, 404);
      assert.equal((await request(a.url).get(`/api/v1/personas/${gone.handle}`)).status, 404);
      const host = new URL(a.url).host;
      assert.equal(
        (await request(a.url).get(`/.well-known/webfinger?resource=acct:${gone.handle}@${host}`)).status,
        404,
      );
    });

    it('the public feeds and instance documents carry no e-mail and no id', async () => {
      for (const path of [
        '/api/v1/feed/public',
        '/api/v1/feed/public?local=true',
        '/nodeinfo/2.1',
        '/api/v1/instance',
      ]) {
        const res = await request(a.url).get(path);
        assert.equal(res.status, 200, path);
        const text = JSON.stringify(res.headers) + res.text;
        assert.ok(!text.includes(mailbox), `${path} shows the e-mail`);
        for (const id of forbiddenIds)
          assert.ok(!text.includes(id), `${path} shows an account or persona id`);
      }
    });

    it('what the second instance stored and shows about each persona names no other persona', async () => {
      for (const p of personas) {
        const iri = `${a.url}/users/${p.handle}`;
        const stored = [
          ...(await rows(
            b.database.db,
            `SELECT row_to_json(r)::text AS t FROM remote_actors r WHERE iri = '${iri}'`,
          )),
          ...(await rows(
            b.database.db,
            `SELECT row_to_json(r)::text AS t FROM posts r WHERE author_actor_iri = '${iri}'`,
          )),
        ];
        assert.equal(stored.length, 1 + 2, `${p.handle}: its actor and both its posts are on B`);
        for (const r of stored) assertClean(`B's row about ${p.handle}`, String(r.t), p);
        // And B's own pages of those posts.
        const feed = (await remote.get('/api/v1/feed/home?limit=50')).body.items as {
          id: string;
          author: { handle: string };
        }[];
        const theirs = feed.filter((post) => post.author.handle.startsWith(`@${p.handle}@`));
        assert.equal(theirs.length, 2, `${p.handle}: both posts in the follower's home feed`);
        for (const post of theirs) {
          for (const path of [`/api/v1/posts/${post.id}`, `/posts/${post.id}`]) {
            const res = await remote.get(path);
            assert.equal(res.status, 200, path);
            assertClean(`B's ${path}`, JSON.stringify(res.headers) + res.text, p);
          }
        }
      }
      // B's cache of remote documents holds no e-mail and no id either.
      const cache = await rows(b.database.db, 'SELECT value::text AS t FROM kv_entries');
      const cached = cache.map((r) => String(r.t)).join('\n');
      assert.ok(!cached.includes(mailbox), 'B caches no e-mail');
      assert.ok(!cached.includes(gone.displayName), 'B keeps no cached copy of the deleted persona');
      for (const id of forbiddenIds) assert.ok(!cached.includes(id), 'B caches no account or persona id');
      const goneRows = await rows(
        b.database.db,
        `SELECT id FROM posts WHERE author_actor_iri = '${a.url}/users/${gone.handle}' AND (deleted_at IS NULL OR content <> '')`,
      );
      assert.equal(goneRows.length, 0, 'the deleted persona’s posts are emptied tombstones on B');
    });

    it('the owner’s view of a persona page lists the other personas and no shared cache may keep it', async () => {
      const p = personas[0]!;
      await owner.post(`/api/v1/me/personas/${p.handle}/activate`).expect(200);
      const mine = await owner.get(`/@${p.handle}`).expect(200);
      assert.ok(mine.text.includes(personas[1]!.handle), 'the switcher lists the other personas');
      assert.equal(mine.headers['cache-control'], 'private, no-store');
      const visitor = await request(a.url).get(`/@${p.handle}`).expect(200);
      assert.ok(!visitor.text.includes('persona-switcher'), 'no switcher for a visitor');
      assertClean('the visitor’s page', visitor.text, p);
    });
  });
}
