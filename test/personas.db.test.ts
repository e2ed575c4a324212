import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { findAccount, findAccountByEmail, signUp } from '../models/accounts.ops.ts';
import { type DomainEvent, DomainEvents } from '../models/events.ts';
import {
  createPersona,
  deletePersona,
  findPersonaByHandle,
  listOwnPersonaViews,
  MAX_PERSONAS_PER_ACCOUNT,
  publicPersonaView,
  switchActivePersona,
  updatePersona,
} from '../models/personas.ops.ts';
import { handles, personas } from '../models/schema/index.ts';
import { createDistrict, deleteDistrict } from '../models/territory.ops.ts';
import { newIdentity } from './support/api.ts';
import { forEachDatabase } from './support/databases.ts';

forEachDatabase('persona operations', (get) => {
  const events: DomainEvent[] = [];
  const bus = new DomainEvents();
  for (const type of ['persona.created', 'persona.updated', 'persona.deleted'] as const) {
    bus.on(type, (e) => {
      events.push(e);
    });
  }
  const ctx = () => ({ db: get().db, events: bus });

  async function account() {
    const id = newIdentity('d');
    const result = await signUp(ctx(), id);
    assert.ok(result.ok);
    return { ...result, identity: id };
  }

  it('sign-up makes the first persona active and emits persona.created', async () => {
    events.length = 0;
    const { account: a, persona } = await account();
    assert.equal(a.activePersonaId, persona.id);
    assert.deepEqual(events, [{ type: 'persona.created', personaId: persona.id }]);
  });

  it('a sign-up whose handle is taken leaves no account behind', async () => {
    const { identity } = await account();
    const other = { ...newIdentity('d'), handle: identity.handle };
    const result = await signUp(ctx(), other);
    assert.deepEqual(result, { ok: false, reason: 'handle-taken' });
    assert.equal(await findAccountByEmail(get().db, other.email), undefined);
  });

  it('an account holds at most MAX_PERSONAS_PER_ACCOUNT personas', async () => {
    const { account: a } = await account();
    for (let i = 1; i < MAX_PERSONAS_PER_ACCOUNT; i++) {
      const r = await createPersona(ctx(), a.id, { handle: newIdentity('m').handle, displayName: `M${i}` });
      assert.ok(r.ok);
    }
    const over = await createPersona(ctx(), a.id, { handle: newIdentity('m').handle, displayName: 'Over' });
    assert.deepEqual(over, { ok: false, reason: 'too-many-personas' });
  });

  it('concurrent creations cannot exceed the limit', async () => {
    const { account: a } = await account();
    const attempts = Array.from({ length: MAX_PERSONAS_PER_ACCOUNT + 3 }, (_, i) =>
      createPersona(ctx(), a.id, { handle: newIdentity('c').handle, displayName: `C${i}` }),
    );
    const results = await Promise.all(attempts);
    assert.equal(results.filter((r) => r.ok).length, MAX_PERSONAS_PER_ACCOUNT - 1);
    assert.equal((await listOwnPersonaViews(get().db, a.id)).personas.length, MAX_PERSONAS_PER_ACCOUNT);
  });

  it('deleting a persona keeps a tombstone with its handle but no content and no link to the account', async () => {
    const { account: a } = await account();
    const extra = newIdentity('t');
    const created = await createPersona(ctx(), a.id, {
      handle: extra.handle,
      displayName: 'Gone Soon',
      bio: 'bio',
    });
    assert.ok(created.ok);
    events.length = 0;
    assert.deepEqual(await deletePersona(ctx(), a.id, extra.handle), { ok: true });
    const [row] = await get().db.select().from(personas).where(eq(personas.handle, extra.handle));
    assert.ok(row);
    assert.equal(row.accountId, null);
    assert.equal(row.displayName, '');
    assert.equal(row.bio, '');
    assert.ok(row.deletedAt);
    const [reserved] = await get().db.select().from(handles).where(eq(handles.handle, extra.handle));
    assert.equal(reserved?.kind, 'persona');
    assert.equal(await findPersonaByHandle(get().db, extra.handle), undefined);
    assert.deepEqual(events, [
      { type: 'persona.deleted', personaId: created.persona.id, handle: extra.handle },
    ]);
  });

  it('deleting the active persona makes another one active', async () => {
    const { account: a, persona: first } = await account();
    const extra = newIdentity('t');
    const created = await createPersona(ctx(), a.id, { handle: extra.handle, displayName: 'Next' });
    assert.ok(created.ok);
    await deletePersona(ctx(), a.id, first.handle);
    assert.equal((await findAccount(get().db, a.id))?.activePersonaId, created.persona.id);
    assert.deepEqual(await deletePersona(ctx(), a.id, extra.handle), { ok: false, reason: 'last-persona' });
  });

  it('switching and editing only reach the account’s own live personas', async () => {
    const { account: a } = await account();
    const { persona: foreign } = await account();
    assert.deepEqual(await switchActivePersona(get().db, a.id, foreign.handle), {
      ok: false,
      reason: 'not-found',
    });
    assert.deepEqual(await updatePersona(ctx(), a.id, foreign.handle, { displayName: 'x' }), {
      ok: false,
      reason: 'not-found',
    });
    assert.deepEqual(await deletePersona(ctx(), a.id, foreign.handle), { ok: false, reason: 'not-found' });
  });

  it('a declared district is shown unverified, and vanishes with the district', async () => {
    await createDistrict(get().db, { slug: 'gare', name: 'Gare' });
    const { account: a, persona } = await account();
    const updated = await updatePersona(ctx(), a.id, persona.handle, { districtSlug: 'gare' });
    assert.ok(updated.ok);
    assert.deepEqual((await publicPersonaView(get().db, updated.persona)).district, {
      slug: 'gare',
      name: 'Gare',
      verified: false,
    });
    assert.deepEqual(await updatePersona(ctx(), a.id, persona.handle, { districtSlug: 'nowhere' }), {
      ok: false,
      reason: 'unknown-district',
    });
    assert.deepEqual(await deleteDistrict(get().db, 'gare'), { ok: true });
    const after = await findPersonaByHandle(get().db, persona.handle);
    assert.ok(after);
    assert.equal((await publicPersonaView(get().db, after)).district, null);
  });

  it('the public view has exactly handle, display name, bio, district and badges', async () => {
    const { persona } = await account();
    const view = await publicPersonaView(get().db, persona);
    assert.deepEqual(Object.keys(view).sort(), ['badges', 'bio', 'displayName', 'district', 'handle']);
  });
});
