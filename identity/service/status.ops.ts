import { randomInt } from 'node:crypto';
import { StatusList } from '@sd-jwt/jwt-status-list';
import { and, eq, gt } from 'drizzle-orm';
import { importJWK, SignJWT } from 'jose';
import type { IdentityDb } from '../db.ts';
import { persons, statusEntries } from '../schema.ts';
import { activeSigningKey } from './keys.ops.ts';

export const STATUS_LIST_ID = 1;
/** Large enough that one index says nothing; indices are drawn at random. */
export const STATUS_LIST_SIZE = 1 << 17;
export const STATUS_LIST_TTL_SECONDS = 600;

export function statusListUri(publicUrl: string, listId = STATUS_LIST_ID): string {
  return `${publicUrl}/status-lists/${listId}`;
}

type Tx = Parameters<Parameters<IdentityDb['transaction']>[0]>[0];

/** Reserves a random, unused index for a new credential. */
export async function allocateStatusIndex(
  tx: Tx | IdentityDb,
  personId: string,
  expiresAt: Date,
): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const idx = randomInt(STATUS_LIST_SIZE);
    const inserted = await tx
      .insert(statusEntries)
      .values({ listId: STATUS_LIST_ID, idx, personId, expiresAt })
      .onConflictDoNothing()
      .returning({ idx: statusEntries.idx });
    if (inserted.length === 1) return idx;
  }
  throw new Error('status list is full');
}

/** The signed Token Status List (`statuslist+jwt`), 1 bit per credential: 1 = invalid. */
export async function signedStatusList(
  ctx: { db: IdentityDb; secret: string },
  publicUrl: string,
  now: Date,
): Promise<string> {
  const { db } = ctx;
  const revoked = await db
    .select({ idx: statusEntries.idx })
    .from(statusEntries)
    .where(
      and(
        eq(statusEntries.listId, STATUS_LIST_ID),
        eq(statusEntries.revoked, true),
        gt(statusEntries.expiresAt, now),
      ),
    );
  const bits = new Array<number>(STATUS_LIST_SIZE).fill(0);
  for (const { idx } of revoked) bits[idx] = 1;
  const list = new StatusList(bits, 1);
  const key = await activeSigningKey(ctx, now);
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({
    status_list: { bits: 1, lst: list.compressStatusList() },
    ttl: STATUS_LIST_TTL_SECONDS,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'statuslist+jwt', kid: key.kid })
    .setSubject(statusListUri(publicUrl))
    .setIssuedAt(iat)
    .setExpirationTime(iat + 86_400)
    .sign(await importJWK(key.privateJwk, 'ES256'));
}

export type RevokeReason = 'moved-out' | 'erased';

/**
 * Revokes every credential of a person. `moved-out` keeps the record (so the person
 * cannot re-enrol as a resident by accident); `erased` deletes it, leaving only the
 * anonymous status bits set.
 */
export async function revokePerson(db: IdentityDb, personId: string, reason: RevokeReason) {
  return db.transaction(async (tx) => {
    const [person] = await tx
      .select({ id: persons.id })
      .from(persons)
      .where(eq(persons.id, personId))
      .for('update');
    if (!person) return { ok: false as const, reason: 'not-found' as const };
    await tx.update(statusEntries).set({ revoked: true }).where(eq(statusEntries.personId, personId));
    if (reason === 'erased') {
      await tx.delete(persons).where(eq(persons.id, personId));
    } else {
      await tx
        .update(persons)
        .set({ status: 'moved-out', resident: false, district: null })
        .where(eq(persons.id, personId));
    }
    return { ok: true as const };
  });
}
