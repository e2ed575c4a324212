import { exportJwk, generateCryptoKeyPair, importJwk } from '@fedify/fedify';
import { findActorKeys, storeActorKeys } from '../models/federation.ops.ts';
import type { ActorKey } from '../models/schema/index.ts';
import type { AppContext } from '../server/context.ts';

const ORDER = { rsa: 0, ed25519: 1 } as const;

/** Local actors whose imported key pairs one process keeps (each pair is two CryptoKeys). */
const CACHED_ACTORS = 1000;

/**
 * Imported key pairs per instance (tests run several in one process) and per actor. A local
 * actor's keys never change once stored, so a copy never goes stale; keeping the promise also
 * makes concurrent first uses wait for one generation instead of each making its own.
 */
const cache = new WeakMap<AppContext, Map<string, Promise<CryptoKeyPair[]>>>();

/**
 * The key pairs of a local actor: RSA first (HTTP Signatures, what most servers check), then
 * Ed25519 (Object Integrity Proofs). Generated on first use and stored for good; read and
 * imported once per process (every signed request needs them).
 */
export function actorKeyPairs(app: AppContext, actor: string): Promise<CryptoKeyPair[]> {
  let byActor = cache.get(app);
  if (!byActor) {
    byActor = new Map();
    cache.set(app, byActor);
  }
  const cached = byActor.get(actor);
  if (cached) return cached;
  const loading = loadKeyPairs(app, actor);
  byActor.set(actor, loading);
  // The oldest entry goes first once the bound is reached.
  if (byActor.size > CACHED_ACTORS) byActor.delete(byActor.keys().next().value as string);
  // A failure (database out of reach) is not remembered: the next call tries again.
  loading.catch(() => {
    if (byActor.get(actor) === loading) byActor.delete(actor);
  });
  return loading;
}

/**
 * The key pairs this process already holds for `actor` (loaded or being loaded), undefined
 * otherwise: no query. Only an actor found to exist gets its keys loaded, and local actors are
 * never erased (a deleted persona keeps its row and keys, to answer as a tombstone), so holding
 * them is proof enough that the actor exists.
 */
export function heldActorKeyPairs(app: AppContext, actor: string): Promise<CryptoKeyPair[]> | undefined {
  return cache.get(app)?.get(actor);
}

async function loadKeyPairs(app: AppContext, actor: string): Promise<CryptoKeyPair[]> {
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
