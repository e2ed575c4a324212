import { asc, eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import { type DistrictRow, districts, instanceSettings } from './schema/index.ts';

export type InstanceSettings = { name: string; description: string };

export async function getInstanceSettings(db: Db, defaults: { name: string }): Promise<InstanceSettings> {
  const rows = await db.select().from(instanceSettings);
  const map = new Map(rows.map((r) => [r.key, r.value]));
  const str = (key: string, fallback: string) => {
    const v = map.get(key);
    return typeof v === 'string' ? v : fallback;
  };
  return { name: str('name', defaults.name), description: str('description', '') };
}

export async function updateInstanceSettings(db: Db, changes: Partial<InstanceSettings>): Promise<void> {
  // One transaction: a rename and a new description land together or not at all.
  await db.transaction(async (tx) => {
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      await tx
        .insert(instanceSettings)
        .values({ key, value })
        .onConflictDoUpdate({ target: instanceSettings.key, set: { value, updatedAt: new Date() } });
    }
  });
}

export async function listDistricts(db: Db): Promise<DistrictRow[]> {
  return db.select().from(districts).orderBy(asc(districts.name));
}

export type DistrictInput = { slug: string; name: string; description?: string };
export type DistrictResult =
  | { ok: true; district: DistrictRow }
  | { ok: false; reason: 'slug-taken' | 'not-found' };

export async function createDistrict(db: Db, input: DistrictInput): Promise<DistrictResult> {
  const [district] = await db.insert(districts).values(input).onConflictDoNothing().returning();
  return district ? { ok: true, district } : { ok: false, reason: 'slug-taken' };
}

export async function updateDistrict(
  db: Db,
  slug: string,
  input: Partial<Omit<DistrictInput, 'slug'>>,
): Promise<DistrictResult> {
  const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  // An empty change set is not an error: answer with the district as it is.
  const [district] =
    Object.keys(changes).length === 0
      ? await db.select().from(districts).where(eq(districts.slug, slug))
      : await db.update(districts).set(changes).where(eq(districts.slug, slug)).returning();
  return district ? { ok: true, district } : { ok: false, reason: 'not-found' };
}

/** Deleting a district leaves the personas that declared it without one. */
export async function deleteDistrict(
  db: Db,
  slug: string,
): Promise<{ ok: true } | { ok: false; reason: 'not-found' }> {
  const rows = await db.delete(districts).where(eq(districts.slug, slug)).returning();
  return rows.length ? { ok: true } : { ok: false, reason: 'not-found' };
}

export function districtView(d: DistrictRow) {
  return { slug: d.slug, name: d.name, description: d.description };
}
