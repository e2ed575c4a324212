import { exportJwk, generateCryptoKeyPair, importJwk } from '@fedify/fedify';
import { findActorKeys, storeActorKeys } from '../models/federation.ops.ts';
import type { ActorKey } from '../models/schema/index.ts';
import type { AppContext } from '../server/context.ts';

const ORDER = { rsa: 0, ed25519: 1 } as const;

/**
 * The key pairs of a local actor: RSA first (HTTP Signatures, what most servers check), then
 * Ed25519 (Object Integrity Proofs). Generated on first use and stored for good.
 */
export async function actorKeyPairs(app: AppContext, actor: string): Promise<CryptoKeyPair[]> {
  let rows = await findActorKeys(app.db, actor);
  if (rows.length < 2) rows = await generate(app, actor, rows);
  const sorted = [...rows].sort((a, b) => ORDER[a.algorithm] - ORDER[b.algorithm]);
  return Promise.all(
    sorted.map(async (row) => ({
      privateKey: await importJwk(row.privateJwk, 'private'),
      publicKey: await importJwk(row.publicJwk, 'public'),
    })),
  );
}

async function generate(app: AppContext, actor: string, existing: ActorKey[]): Promise<ActorKey[]> {
  const have = new Set(existing.map((k) => k.algorithm));
  const fresh: { algorithm: 'rsa' | 'ed25519'; publicJwk: JsonWebKey; privateJwk: JsonWebKey }[] = [];
  for (const algorithm of ['rsa', 'ed25519'] as const) {
    if (have.has(algorithm)) continue;
    const pair = await generateCryptoKeyPair(algorithm === 'rsa' ? 'RSASSA-PKCS1-v1_5' : 'Ed25519');
    fresh.push({
      algorithm,
      publicJwk: await exportJwk(pair.publicKey),
      privateJwk: await exportJwk(pair.privateKey),
    });
  }
  return storeActorKeys(app.db, actor, fresh);
}
