import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { Db } from '../models/db.ts';
import { newIdentity, signUpAgent } from './support/api.ts';
import { databaseKinds } from './support/databases.ts';
import { eventually } from './support/federation.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

async function rows(db: Db, query: string): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(sql.raw(query))) as unknown as { rows: Record<string, unknown>[] };
  return result.rows;
}

for (const kind of databaseKinds()) {
  describe(`a deleted persona's erasure reaches every server its posts went to [${kind}]`, function () {
    this.timeout(180_000);
    let a: TestInstance;
    let b: TestInstance;
    before(async () => {
      [a, b] = await Promise.all([startTestInstance(kind), startTestInstance(kind)]);
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    it('the author it replied to, who neither follows it nor is followed by it, forgets it and its reply', async () => {
      // On B, someone asks a question; a reader on A follows them, so A has the post.
      const asker = await signUpAgent(b.url, newIdentity('ask'));
      const question = await asker.agent
        .post('/api/v1/posts')
        .send({ content: 'Une question ?' })
        .expect(201);
      const reader = await signUpAgent(a.url, newIdentity('read'));
      await reader.agent
        .post('/api/v1/me/follows')
        .send({ target: `${b.url}/users/${asker.identity.handle}` })
        .expect(201);
      await eventually('the follow accepted', async () => {
        const list = (await reader.agent.get('/api/v1/me/following')).body.follows as { state: string }[];
        return list[0]?.state === 'accepted';
      });
      const again = await asker.agent
        .post('/api/v1/posts')
        .send({ content: 'Une autre question ?' })
        .expect(201);
      const local = await eventually('the question stored on A', async () => {
        const found = await rows(a.database.db, `SELECT id FROM posts WHERE iri = '${again.body.iri}'`);
        return found[0]?.id as string | undefined;
      });
      assert.notEqual(question.body.iri, again.body.iri);

      // A persona on A with no follows at all answers it, then is deleted.
      const { agent, identity } = await signUpAgent(a.url, newIdentity('main'));
      const lone = `${identity.handle}z`;
      await agent.post('/api/v1/me/personas').send({ handle: lone, displayName: 'Solitaire' }).expect(201);
      await agent.post(`/api/v1/me/personas/${lone}/activate`).expect(200);
      await agent.post('/api/v1/posts').send({ content: 'Ma réponse', inReplyTo: local }).expect(201);
      const loneIri = `${a.url}/users/${lone}`;
      await eventually('the reply stored on B', async () => {
        const found = await rows(b.database.db, `SELECT id FROM posts WHERE author_actor_iri = '${loneIri}'`);
        return found.length === 1;
      });

      await agent.delete(`/api/v1/me/personas/${lone}`).expect(204);
      await eventually('B forgot the deleted persona and emptied its reply', async () => {
        const actor = await rows(b.database.db, `SELECT id FROM remote_actors WHERE iri = '${loneIri}'`);
        const live = await rows(
          b.database.db,
          `SELECT id FROM posts WHERE author_actor_iri = '${loneIri}' AND (deleted_at IS NULL OR content <> '')`,
        );
        return actor.length === 0 && live.length === 0;
      });
    });
  });
}
