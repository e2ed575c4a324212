import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { listFollowerRecipients } from '../models/follows.ops.ts';
import { forEachDatabase } from './support/databases.ts';

/** Who an activity goes to: every accepted follower, however many. */
forEachDatabase('delivery recipients', (get) => {
  afterEach(async () => {
    await get().db.execute(sql`DELETE FROM follows`);
    await get().db.execute(sql`DELETE FROM remote_actors`);
  });

  it('lists every accepted follower, beyond any page size, and nothing else', async function () {
    this.timeout(60_000);
    const db = get().db;
    const n = 10_050;
    await db.execute(sql`
      INSERT INTO remote_actors (id, iri, handle, domain, type, inbox, shared_inbox)
      SELECT gen_random_uuid(), 'https://s' || (i % 1000) || '.example/users/u' || i, '@u' || i || '@s' || (i % 1000) || '.example',
             's' || (i % 1000) || '.example', 'Person',
             'https://s' || (i % 1000) || '.example/users/u' || i || '/inbox', 'https://s' || (i % 1000) || '.example/inbox'
      FROM generate_series(1, ${n + 3}) AS i`);
    // Accepted followers of the town hall; one pending, one the town hall follows, one of someone else.
    await db.execute(sql`
      INSERT INTO follows (id, local_actor, remote_actor_id, direction, activity_iri, state)
      SELECT gen_random_uuid(),
             CASE WHEN row_number() OVER () = ${n + 3} THEN 'someone' ELSE 'mairie' END,
             id,
             CASE WHEN row_number() OVER () = ${n + 2} THEN 'outbound' ELSE 'inbound' END,
             iri || '#follow',
             CASE WHEN row_number() OVER () = ${n + 1} THEN 'pending' ELSE 'accepted' END
      FROM remote_actors`);
    const recipients = await listFollowerRecipients(db, 'mairie');
    assert.equal(recipients.length, n);
    assert.equal(new Set(recipients.map((r) => r.iri)).size, n);
    const first = recipients[0];
    assert.ok(first);
    assert.deepEqual(Object.keys(first).sort(), ['domain', 'inbox', 'iri', 'sharedInbox']);
    assert.match(first.sharedInbox ?? '', /^https:\/\/s\d+\.example\/inbox$/);
  });
});
