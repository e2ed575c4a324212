import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { badgeVouchesFor, listActiveBadges, type PublicBadge, publicBadge } from './badges.ops.ts';
import type { Db } from './db.ts';
import type { DomainEvents } from './events.ts';
import { accounts, districts, handles, type Persona, personas, posts } from './schema/index.ts';

export const MAX_PERSONAS_PER_ACCOUNT = 10;

type Ctx = { db: Db; events: DomainEvents };

/** Reserves the handle and inserts the persona; undefined when the handle is taken. Run inside a transaction. */
export async function insertPersona(
  tx: Db,
  accountId: string,
  input: { handle: string; displayName: string; bio?: string; districtId?: string | null },
): Promise<Persona | undefined> {
  const reserved = await tx
    .insert(handles)
    .values({ handle: input.handle, kind: 'persona' })
    .onConflictDoNothing()
    .returning();
  if (reserved.length === 0) return undefined;
  const [persona] = await tx
    .insert(personas)
    .values({
      accountId,
      handle: input.handle,
      displayName: input.displayName,
      bio: input.bio ?? '',
      districtId: input.districtId ?? null,
    })
    .returning();
  return persona;
}

export type PersonaInput = {
  handle: string;
  displayName: string;
  bio?: string;
  districtSlug?: string | null;
};
export type CreatePersonaResult =
  | { ok: true; persona: Persona }
  | { ok: false; reason: 'handle-taken' | 'too-many-personas' | 'unknown-district' };

export async function createPersona(
  ctx: Ctx,
  accountId: string,
  input: PersonaInput,
): Promise<CreatePersonaResult> {
  const result = await ctx.db.transaction(async (tx): Promise<CreatePersonaResult> => {
    // Lock the account row so two concurrent creations cannot both pass the count check.
    await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).for('update');
    const [count] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(personas)
      .where(and(eq(personas.accountId, accountId), isNull(personas.deletedAt)));
    if ((count?.n ?? 0) >= MAX_PERSONAS_PER_ACCOUNT) return { ok: false, reason: 'too-many-personas' };
    const district = await resolveDistrict(tx, input.districtSlug);
    if (district === false) return { ok: false, reason: 'unknown-district' };
    const persona = await insertPersona(tx, accountId, { ...input, districtId: district });
    if (!persona) return { ok: false, reason: 'handle-taken' };
    return { ok: true, persona };
  });
  if (result.ok) await ctx.events.emit({ type: 'persona.created', personaId: result.persona.id });
  return result;
}

/** null: no district; false: the slug names no district. Run inside a transaction. */
async function resolveDistrict(db: Db, slug: string | null | undefined): Promise<string | null | false> {
  if (!slug) return null;
  // FOR SHARE: a district removed meanwhile waits for this transaction instead of leaving a dangling id.
  const [d] = await db
    .select({ id: districts.id })
    .from(districts)
    .where(eq(districts.slug, slug))
    .for('share');
  return d ? d.id : false;
}

export type UpdatePersonaInput = {
  displayName?: string;
  bio?: string;
  districtSlug?: string | null;
  discoverable?: boolean;
  indexable?: boolean;
};
export type UpdatePersonaResult =
  | { ok: true; persona: Persona }
  | { ok: false; reason: 'not-found' | 'unknown-district' };

/** Renames a persona or edits its profile. The handle never changes: other servers know the actor by it. */
export async function updatePersona(
  ctx: Ctx,
  accountId: string,
  handle: string,
  input: UpdatePersonaInput,
): Promise<UpdatePersonaResult> {
  const changes: Partial<typeof personas.$inferInsert> = { updatedAt: new Date() };
  if (input.displayName !== undefined) changes.displayName = input.displayName;
  if (input.bio !== undefined) changes.bio = input.bio;
  if (input.discoverable !== undefined) changes.discoverable = input.discoverable;
  if (input.indexable !== undefined) changes.indexable = input.indexable;
  const result = await ctx.db.transaction(async (tx): Promise<UpdatePersonaResult> => {
    if (input.districtSlug !== undefined) {
      const district = await resolveDistrict(tx, input.districtSlug);
      if (district === false) return { ok: false, reason: 'unknown-district' };
      changes.districtId = district;
    }
    const [persona] = await tx
      .update(personas)
      .set(changes)
      .where(and(eq(personas.handle, handle), eq(personas.accountId, accountId), isNull(personas.deletedAt)))
      .returning();
    return persona ? { ok: true, persona } : { ok: false, reason: 'not-found' };
  });
  if (result.ok) await ctx.events.emit({ type: 'persona.updated', personaId: result.persona.id });
  return result;
}

export type DeletePersonaResult = { ok: true } | { ok: false; reason: 'not-found' | 'last-persona' };

/**
 * Deletes a persona: its content goes, its link to the account goes, and its row stays as a
 * tombstone holding the handle (never reused) so the deletion can be federated.
 */
export async function deletePersona(
  ctx: Ctx,
  accountId: string,
  handle: string,
): Promise<DeletePersonaResult> {
  const result = await ctx.db.transaction(async (tx): Promise<DeletePersonaResult & { id?: string }> => {
    const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
    if (!account) return { ok: false, reason: 'not-found' };
    const owned = await tx
      .select({ id: personas.id, handle: personas.handle })
      .from(personas)
      .where(and(eq(personas.accountId, accountId), isNull(personas.deletedAt)))
      .orderBy(asc(personas.createdAt));
    const target = owned.find((p) => p.handle === handle);
    if (!target) return { ok: false, reason: 'not-found' };
    if (owned.length === 1) return { ok: false, reason: 'last-persona' };
    const now = new Date();
    // The creation times go too: the sign-up persona and its handle were created in the
    // account's own transaction, with the account's exact `created_at`, which would tie the
    // tombstone back to the account.
    await tx
      .update(personas)
      .set({
        accountId: null,
        displayName: '',
        bio: '',
        districtId: null,
        deletedAt: now,
        updatedAt: now,
        createdAt: now,
      })
      .where(eq(personas.id, target.id));
    await tx.update(handles).set({ createdAt: now }).where(eq(handles.handle, target.handle));
    // What it wrote is erased, not just hidden (the actor's Delete tells other servers to do the same).
    await tx
      .update(posts)
      .set({ content: '', source: null, deletedAt: sql`coalesce(${posts.deletedAt}, ${now})` })
      .where(eq(posts.authorPersonaId, target.id));
    if (account.activePersonaId === target.id) {
      const next = owned.find((p) => p.id !== target.id)!;
      await tx.update(accounts).set({ activePersonaId: next.id }).where(eq(accounts.id, accountId));
    }
    return { ok: true, id: target.id };
  });
  if (!result.ok) return result;
  await ctx.events.emit({ type: 'persona.deleted', personaId: result.id!, handle });
  return { ok: true };
}

export type SwitchPersonaResult = { ok: true; persona: Persona } | { ok: false; reason: 'not-found' };

export async function switchActivePersona(
  db: Db,
  accountId: string,
  handle: string,
): Promise<SwitchPersonaResult> {
  // Under the account's row lock, as deletePersona takes it: a persona being deleted cannot become active.
  return db.transaction(async (tx): Promise<SwitchPersonaResult> => {
    await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).for('update');
    const persona = await findOwnedPersona(tx, accountId, handle);
    if (!persona) return { ok: false, reason: 'not-found' };
    await tx.update(accounts).set({ activePersonaId: persona.id }).where(eq(accounts.id, accountId));
    return { ok: true, persona };
  });
}

export async function findOwnedPersona(
  db: Db,
  accountId: string,
  handle: string,
): Promise<Persona | undefined> {
  const [persona] = await db
    .select()
    .from(personas)
    .where(and(eq(personas.handle, handle), eq(personas.accountId, accountId), isNull(personas.deletedAt)));
  return persona;
}

export async function listAccountPersonas(db: Db, accountId: string): Promise<Persona[]> {
  return db
    .select()
    .from(personas)
    .where(and(eq(personas.accountId, accountId), isNull(personas.deletedAt)))
    .orderBy(asc(personas.createdAt));
}

/** A live (not deleted) persona by handle, or undefined. */
export async function findPersonaByHandle(db: Db, handle: string): Promise<Persona | undefined> {
  const [persona] = await db
    .select()
    .from(personas)
    .where(and(eq(personas.handle, handle.toLowerCase()), isNull(personas.deletedAt)));
  return persona;
}

export async function findPersonaById(db: Db, id: string): Promise<Persona | undefined> {
  const [persona] = await db.select().from(personas).where(eq(personas.id, id));
  return persona;
}

export type PublicPersona = {
  handle: string;
  displayName: string;
  bio: string;
  district: { slug: string; name: string; verified: boolean } | null;
  /** Active verified badges; a district becomes verified when one of them discloses it. */
  badges: PublicBadge[];
};

/**
 * What anyone may see of a persona. Built field by field, never by spreading the row, so that
 * nothing tying it to its account (id, account, e-mail, creation time, other personas) slips in.
 */
export async function publicPersonaView(
  db: Db,
  persona: Persona,
  options: { lang?: 'fr' | 'en' } = {},
): Promise<PublicPersona> {
  const badges = (await listActiveBadges(db, persona.id, { lang: options.lang })).map(publicBadge);
  let district: PublicPersona['district'] = null;
  if (persona.districtId) {
    const [d] = await db.select().from(districts).where(eq(districts.id, persona.districtId));
    if (d) district = { slug: d.slug, name: d.name, verified: badgeVouchesFor(badges, d.name) };
  }
  return { handle: persona.handle, displayName: persona.displayName, bio: persona.bio, district, badges };
}

export type OwnPersona = PublicPersona & { discoverable: boolean; indexable: boolean; active: boolean };

/** A persona as its owner sees it in their own settings (still no ids or timestamps). */
export async function ownPersonaView(
  db: Db,
  persona: Persona,
  activePersonaId: string | null,
): Promise<OwnPersona> {
  return {
    ...(await publicPersonaView(db, persona)),
    discoverable: persona.discoverable,
    indexable: persona.indexable,
    active: persona.id === activePersonaId,
  };
}

/** The account's live personas, oldest first, and the handle of the active one. */
export async function listOwnPersonaViews(
  db: Db,
  accountId: string,
): Promise<{ activePersona: string | null; personas: OwnPersona[] }> {
  const [account] = await db
    .select({ activePersonaId: accounts.activePersonaId })
    .from(accounts)
    .where(eq(accounts.id, accountId));
  const activeId = account?.activePersonaId ?? null;
  const rows = await listAccountPersonas(db, accountId);
  const views = await Promise.all(rows.map((p) => ownPersonaView(db, p, activeId)));
  return { activePersona: rows.find((p) => p.id === activeId)?.handle ?? null, personas: views };
}
