import { ES256 } from '@sd-jwt/crypto-nodejs';
import { and, desc, gt, isNull, or } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { IdentityDb } from '../db.ts';
import { issuerKeys } from '../schema.ts';

export type SigningKey = { kid: string; privateJwk: JsonWebKey; sign: (data: string) => Promise<string> };

async function createKey(db: IdentityDb, now: Date) {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  await db.insert(issuerKeys).values({
    kid,
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } as JsonWebKey,
    privateJwk: privateJwk as JsonWebKey,
    createdAt: now,
  });
  return kid;
}

/** The key new credentials are signed with; created on first use. */
export async function activeSigningKey(db: IdentityDb, now: Date): Promise<SigningKey> {
  let [row] = await db
    .select()
    .from(issuerKeys)
    .where(isNull(issuerKeys.retiredAt))
    .orderBy(desc(issuerKeys.createdAt))
    .limit(1);
  if (!row) {
    await createKey(db, now);
    [row] = await db.select().from(issuerKeys).where(isNull(issuerKeys.retiredAt)).limit(1);
  }
  const key = row!;
  return { kid: key.kid, privateJwk: key.privateJwk, sign: await ES256.getSigner(key.privateJwk) };
}

/**
 * Rotation: the current key stops signing now but stays published until every credential
 * it signed has expired (`maxCredentialDays`), so verifiers keep accepting them.
 */
export async function rotateSigningKey(db: IdentityDb, now: Date, maxCredentialDays: number) {
  const publishUntil = new Date(now.getTime() + (maxCredentialDays + 1) * 86_400_000);
  await db.update(issuerKeys).set({ retiredAt: now, publishUntil }).where(isNull(issuerKeys.retiredAt));
  return { kid: await createKey(db, now) };
}

/** The public keys verifiers must accept: the active one and retired ones still in use. */
export async function publishedKeys(db: IdentityDb, now: Date): Promise<JsonWebKey[]> {
  const rows = await db
    .select({ publicJwk: issuerKeys.publicJwk })
    .from(issuerKeys)
    .where(or(isNull(issuerKeys.retiredAt), and(gt(issuerKeys.publishUntil, now))));
  return rows.map((r) => r.publicJwk);
}
