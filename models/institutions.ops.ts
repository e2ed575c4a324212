import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import type { DomainEvents } from './events.ts';
import { handles, type Institution, institutions } from './schema/index.ts';
import { Handle } from './validation.ts';

export type InstitutionInput = { handle: string; name: string; description?: string };
export type CreateInstitutionResult =
  | { ok: true; institution: Institution }
  | { ok: false; reason: 'handle-taken' | 'invalid-handle' | 'invalid-name' };

/** Creates an institution; its handle comes from the one namespace shared with personas. */
export async function createInstitution(db: Db, input: InstitutionInput): Promise<CreateInstitutionResult> {
  const handle = Handle.safeParse(input.handle);
  if (!handle.success) return { ok: false, reason: 'invalid-handle' };
  const name = input.name.trim();
  if (!name || name.length > 100) return { ok: false, reason: 'invalid-name' };
  return db.transaction(async (tx): Promise<CreateInstitutionResult> => {
    const reserved = await tx
      .insert(handles)
      .values({ handle: handle.data, kind: 'institution' })
      .onConflictDoNothing()
      .returning();
    if (reserved.length === 0) return { ok: false, reason: 'handle-taken' };
    const [institution] = await tx
      .insert(institutions)
      .values({ handle: handle.data, name, description: input.description?.trim() ?? '' })
      .returning();
    return { ok: true, institution: institution! };
  });
}

export type UpdateInstitutionResult =
  | { ok: true; institution: Institution }
  | { ok: false; reason: 'not-found' };

export async function updateInstitution(
  ctx: { db: Db; events: DomainEvents },
  handle: string,
  input: { name?: string; description?: string },
): Promise<UpdateInstitutionResult> {
  const changes: Partial<typeof institutions.$inferInsert> = { updatedAt: new Date() };
  if (input.name !== undefined) changes.name = input.name;
  if (input.description !== undefined) changes.description = input.description;
  const [institution] = await ctx.db
    .update(institutions)
    .set(changes)
    .where(eq(institutions.handle, handle))
    .returning();
  if (!institution) return { ok: false, reason: 'not-found' };
  await ctx.events.emit({ type: 'institution.updated', institutionId: institution.id });
  return { ok: true, institution };
}

export async function findInstitutionByHandle(db: Db, handle: string): Promise<Institution | undefined> {
  const [row] = await db.select().from(institutions).where(eq(institutions.handle, handle.toLowerCase()));
  return row;
}

export async function findInstitutionById(db: Db, id: string): Promise<Institution | undefined> {
  const [row] = await db.select().from(institutions).where(eq(institutions.id, id));
  return row;
}

export async function listInstitutions(db: Db): Promise<Institution[]> {
  return db.select().from(institutions).orderBy(asc(institutions.name));
}

export async function countInstitutions(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(institutions);
  return row?.n ?? 0;
}
