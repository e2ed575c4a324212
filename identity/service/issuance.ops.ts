import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { and, count, eq, gt } from 'drizzle-orm';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { persons, statusEntries } from '../schema.ts';
import { bracketLabel } from './brackets.ts';
import type { ServiceContext } from './context.ts';
import { activeSigningKey } from './keys.ops.ts';
import { allocateStatusIndex, statusListUri } from './status.ops.ts';

const DAY = 86_400_000;
export const CREDENTIAL_TYPE = 'residence';

/**
 * How many unexpired, unrevoked credentials one person may hold, in batches: enough to refill
 * a wallet twice before the first batch expires, not an endless supply of "verified resident"
 * badges to hand out to other people's personas.
 */
export const LIVE_CREDENTIALS_PER_BATCH = 3;
export const maxLiveCredentials = (batchSize: number) => batchSize * LIVE_CREDENTIALS_PER_BATCH;

export function vctFor(publicUrl: string): string {
  return `${publicUrl}/credentials/${CREDENTIAL_TYPE}`;
}

export type IssueBatchResult =
  | { ok: true; credentials: string[] }
  | {
      ok: false;
      reason:
        | 'person-not-found'
        | 'person-inactive'
        | 'nothing-to-certify'
        | 'too-short-validity'
        | 'invalid-holder-key'
        | 'batch-too-large'
        | 'too-many-credentials';
    };

function startOfDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/**
 * Issues one single-use SD-JWT VC per holder key. `iat` and `exp` are rounded to the day so
 * that they identify nobody; salts, holder key and status index differ for each credential.
 */
export async function issueBatch(
  ctx: ServiceContext,
  personId: string,
  holderKeys: JWK[],
): Promise<IssueBatchResult> {
  if (holderKeys.length === 0 || holderKeys.length > ctx.config.batchSize)
    return { ok: false, reason: 'batch-too-large' };
  for (const jwk of holderKeys) {
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y || 'd' in jwk) {
      return { ok: false, reason: 'invalid-holder-key' };
    }
  }
  const thumbprints = await Promise.all(holderKeys.map((jwk) => calculateJwkThumbprint(jwk)));
  // A fresh key per credential: a repeated key would make two credentials linkable.
  if (new Set(thumbprints).size !== thumbprints.length) return { ok: false, reason: 'invalid-holder-key' };
  const now = ctx.now();
  const [person] = await ctx.db.select().from(persons).where(eq(persons.id, personId));
  if (!person) return { ok: false, reason: 'person-not-found' };
  if (person.status !== 'active' || person.expiresAt <= now) return { ok: false, reason: 'person-inactive' };
  const claims: { resident_of?: string; district?: string; age_range?: string } = {};
  if (person.resident && person.district) {
    claims.resident_of = ctx.config.town;
    claims.district = person.district;
  }
  const hasAge = person.ageMin !== null;
  if (hasAge) claims.age_range = bracketLabel({ min: person.ageMin!, max: person.ageMax });
  const disclosable = (['resident_of', 'district', 'age_range'] as const).filter(
    (name) => claims[name] !== undefined,
  );
  if (disclosable.length === 0) return { ok: false, reason: 'nothing-to-certify' };

  const iat = startOfDay(now);
  let limit = new Date(iat.getTime() + ctx.config.credentialDays * DAY);
  if (person.expiresAt < limit) limit = person.expiresAt;
  if (hasAge && person.ageBracketEndsAt && person.ageBracketEndsAt < limit) limit = person.ageBracketEndsAt;
  const exp = startOfDay(limit);
  if (exp.getTime() - now.getTime() < DAY) return { ok: false, reason: 'too-short-validity' };

  const key = await activeSigningKey(ctx, now);
  const sdjwt = new SDJwtVcInstance({
    signer: key.sign,
    signAlg: 'ES256',
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
  });
  // Counted and reserved under a lock on the person, so that parallel requests cannot each
  // see room for a batch and together go over the limit.
  const indices = await ctx.db.transaction(async (tx) => {
    await tx.select({ id: persons.id }).from(persons).where(eq(persons.id, person.id)).for('update');
    const [held] = await tx
      .select({ live: count() })
      .from(statusEntries)
      .where(
        and(
          eq(statusEntries.personId, person.id),
          eq(statusEntries.revoked, false),
          gt(statusEntries.expiresAt, now),
        ),
      );
    if ((held?.live ?? 0) + holderKeys.length > maxLiveCredentials(ctx.config.batchSize)) return undefined;
    const reserved: number[] = [];
    for (const _ of holderKeys) reserved.push(await allocateStatusIndex(tx, person.id, exp));
    return reserved;
  });
  if (!indices) return { ok: false, reason: 'too-many-credentials' };
  const credentials: string[] = [];
  for (const [i, jwk] of holderKeys.entries()) {
    const idx = indices[i]!;
    const cnfJwk = { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! };
    credentials.push(
      await sdjwt.issue(
        {
          iss: ctx.config.publicUrl,
          iat: iat.getTime() / 1000,
          exp: exp.getTime() / 1000,
          vct: vctFor(ctx.config.publicUrl),
          cnf: { jwk: cnfJwk },
          status: { status_list: { idx, uri: statusListUri(ctx.config.publicUrl) } },
          ...claims,
        },
        { _sd: disclosable },
        { header: { kid: key.kid, typ: 'dc+sd-jwt' } },
      ),
    );
  }
  return { ok: true, credentials };
}
