import assert from 'node:assert/strict';
import { countAccounts, signUp } from '../models/accounts.ops.ts';
import { DomainEvents } from '../models/events.ts';
import { listInstitutions } from '../models/institutions.ops.ts';
import { findPersonaByHandle } from '../models/personas.ops.ts';
import { getInstanceSettings, listDistricts } from '../models/territory.ops.ts';
import { seedDemo } from '../server/demo/seed.ts';
import { DEMO_TOWN } from '../server/demo/town.ts';
import { forEachDatabase, openTestDatabase } from './support/databases.ts';

forEachDatabase('demo data', (get, kind) => {
  it('fills a fictional town with districts, institutions, residents and posts', async () => {
    const ctx = { db: get().db, events: new DomainEvents() };
    const result = await seedDemo(ctx, { name: 'Parvis' });
    assert.deepEqual(result, { ok: true, created: true });
    assert.equal((await getInstanceSettings(ctx.db, { name: 'Parvis' })).name, DEMO_TOWN.name);
    assert.equal((await listDistricts(ctx.db)).length, DEMO_TOWN.districts.length);
    assert.equal((await listInstitutions(ctx.db)).length, DEMO_TOWN.institutions.length);
    const persona = await findPersonaByHandle(ctx.db, 'arnaud_r');
    assert.equal(persona?.displayName, 'Arnaud R.');
    assert.ok(persona?.districtId, 'the demo persona declares a district');
  });

  it('a second run changes nothing', async () => {
    const ctx = { db: get().db, events: new DomainEvents() };
    const before = await countAccounts(ctx.db);
    assert.deepEqual(await seedDemo(ctx, { name: 'Parvis' }), { ok: true, created: false });
    assert.equal(await countAccounts(ctx.db), before);
  });

  it('is refused on an instance that already has residents of its own', async () => {
    const database = await openTestDatabase(kind);
    try {
      const ctx = { db: database.db, events: new DomainEvents() };
      await signUp(ctx, {
        email: 'real@example.org',
        password: 'a long password',
        handle: 'real',
        displayName: 'R.',
      });
      assert.deepEqual(await seedDemo(ctx, { name: 'Ville réelle' }), {
        ok: false,
        reason: 'instance-not-empty',
      });
      assert.equal((await getInstanceSettings(ctx.db, { name: 'Ville réelle' })).name, 'Ville réelle');
      assert.equal((await listDistricts(ctx.db)).length, 0);
    } finally {
      await database.close();
    }
  });
});
