import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ES256 } from '@sd-jwt/crypto-nodejs';
import { and, desc, gt, isNull, or } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { IdentityDb } from '../db.ts';
import { issuerKeys, type SealedJwk } from '../schema.ts';

export type SigningKey = { kid: string; privateJwk: JsonWebKey; sign: (data: string) => Promise<string> };
type KeyContext = { db: IdentityDb; secret: string };

/**
 * Private issuer keys are sealed (AES-256-GCM) under a key derived from the service secret,
 * which lives outside the database: a copy of the database alone cannot forge badges.
 */
function sealingKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'parvis-identity', 'issuer private keys', 32));
}

function seal(secret: string, jwk: JsonWebKey): SealedJwk {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secret), iv);
  const ct = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()]);
  return {
    enc: 'A256GCM',
    iv: iv.toString('base64url'),
    ct: ct.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  };
}

function unseal(secret: string, sealed: SealedJwk): JsonWebKey {
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(secret), Buffer.from(sealed.iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as JsonWebKey;
}

async function createKey(ctx: KeyContext, now: Date) {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  await ctx.db.insert(issuerKeys).values({
    kid,
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } as JsonWebKey,
    privateJwk: seal(ctx.secret, (await exportJWK(privateKey)) as JsonWebKey),
    createdAt: now,
  });
  return kid;
}

/** The key new credentials and status lists are signed with; created on first use. */
export async function activeSigningKey(ctx: KeyContext, now: Date): Promise<SigningKey> {
  const current = () =>
    ctx.db
      .select()
      .from(issuerKeys)
      .where(isNull(issuerKeys.retiredAt))
      .orderBy(desc(issuerKeys.createdAt))
      .limit(1);
  let [row] = await current();
  if (!row) {
    await createKey(ctx, now);
    [row] = await current();
  }
  const privateJwk = unseal(ctx.secret, row!.privateJwk);
  return { kid: row!.kid, privateJwk, sign: await ES256.getSigner(privateJwk) };
}

/**
 * Rotation: the current key stops signing now but stays published until every credential
 * it signed has expired (`maxCredentialDays`), so verifiers keep accepting them.
 */
export async function rotateSigningKey(ctx: KeyContext, now: Date, maxCredentialDays: number) {
  const publishUntil = new Date(now.getTime() + (maxCredentialDays + 1) * 86_400_000);
  await ctx.db.update(issuerKeys).set({ retiredAt: now, publishUntil }).where(isNull(issuerKeys.retiredAt));
  return { kid: await createKey(ctx, now) };
}

/** The public keys verifiers must accept: the active one and retired ones still in use. */
export async function publishedKeys(db: IdentityDb, now: Date): Promise<JsonWebKey[]> {
  const rows = await db
    .select({ publicJwk: issuerKeys.publicJwk })
    .from(issuerKeys)
    .where(or(isNull(issuerKeys.retiredAt), and(gt(issuerKeys.publishUntil, now))));
  return rows.map((r) => r.publicJwk);
}
