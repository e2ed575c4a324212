import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { signUp } from '../models/accounts.ops.ts';
import type { Db } from '../models/db.ts';
import { DomainEvents } from '../models/events.ts';
import { createPersona, deletePersona } from '../models/personas.ops.ts';
import { publishPost } from '../models/posts.ops.ts';
import { newIdentity } from './support/api.ts';
import { forEachDatabase } from './support/databases.ts';

async function rows(db: Db, query: string): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(sql.raw(query))) as unknown as { rows: Record<string, unknown>[] };
  return result.rows;
}

forEachDatabase('a deleted persona leaves nothing tying it to its account', (get) => {
  const events = new DomainEvents();
  const ctx = () => ({ db: get().db, events });

  it('its posts are erased in the database, and its tombstone and handle keep no time of the account', async () => {
    const identity = newIdentity('del');
    const created = await signUp(ctx(), identity);
    assert.ok(created.ok);
    const other = await createPersona(ctx(), created.account.id, {
      handle: `${identity.handle}b`,
      displayName: 'B',
    });
    assert.ok(other.ok);
    const words = `Secret ${identity.handle} words`;
    const first = created.persona;
    for (const visibility of ['public', 'followers'] as const) {
      const post = await publishPost(
        ctx(),
        { kind: 'persona', id: first.id, handle: first.handle },
        { content: words, visibility, language: null, inReplyTo: null },
      );
      assert.ok(post.ok);
    }
    // The sign-up persona and its handle share the account's creation instant.
    const [before] = await rows(
      get().db,
      `SELECT (p.created_at = a.created_at) AS same FROM personas p, accounts a WHERE p.id = '${first.id}' AND a.id = '${created.account.id}'`,
    );
    assert.equal(before?.same, true, 'created in the account’s own transaction');

    const deleted = await deletePersona(ctx(), created.account.id, first.handle);
    assert.ok(deleted.ok);

    const kept = await rows(
      get().db,
      `SELECT id FROM posts WHERE content LIKE '%${identity.handle} words%' OR source LIKE '%${identity.handle} words%'`,
    );
    assert.equal(kept.length, 0, 'no row keeps what the persona wrote');
    const tombstones = await rows(
      get().db,
      `SELECT count(*)::int AS n FROM posts WHERE author_persona_id = '${first.id}' AND deleted_at IS NOT NULL`,
    );
    assert.equal(tombstones[0]?.n, 2, 'its posts stay as tombstones, so threads and Deletes still resolve');
    const account = `(SELECT created_at FROM accounts WHERE id = '${created.account.id}')`;
    const same = await rows(
      get().db,
      `SELECT 'persona' AS t FROM personas WHERE id = '${first.id}' AND (account_id IS NOT NULL OR created_at = ${account})
       UNION ALL SELECT 'handle' FROM handles WHERE handle = '${first.handle}' AND created_at = ${account}`,
    );
    assert.deepEqual(same, [], 'neither the tombstone nor the handle has the account’s time');
  });

  it('a persona’s id is random, not time-ordered, unlike the account’s', async () => {
    const created = await signUp(ctx(), newIdentity('rnd'));
    assert.ok(created.ok);
    const other = await createPersona(ctx(), created.account.id, {
      handle: `rnd${process.pid % 1000}x`,
      displayName: 'X',
    });
    assert.ok(other.ok);
    for (const id of [created.persona.id, other.persona.id]) assert.equal(id[14], '4', `${id} is a v4 UUID`);
  });

  it('deleting an unknown persona changes nothing', async () => {
    const created = await signUp(ctx(), newIdentity('unk'));
    assert.ok(created.ok);
    const [before] = await rows(get().db, 'SELECT count(*)::int AS n FROM posts WHERE deleted_at IS NULL');
    const result = await deletePersona(ctx(), created.account.id, 'nobody_such');
    assert.deepEqual(result, { ok: false, reason: 'not-found' });
    const [after] = await rows(get().db, 'SELECT count(*)::int AS n FROM posts WHERE deleted_at IS NULL');
    assert.equal(after?.n, before?.n);
  });
});
