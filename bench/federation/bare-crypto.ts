import { generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';

// The floor under every federation figure: the RSA (PKCS#1 v1.5, SHA-256) signatures and
// verifications a scenario cannot avoid, timed with node:crypto in this process, one after
// another, with no HTTP, no JSON-LD and no database, with keys of the sizes involved: the
// servers under test sign with their own actors' keys, RSA-4096 (the size Fedify's
// generateCryptoKeyPair makes, for Parvis and the baseline alike), and verify the simulated
// followers' signatures, RSA-2048 (bench/simulator/key-pool.ts).

/** The size of the servers' own RSA keys (Fedify's generateCryptoKeyPair). */
export const LOCAL_KEY_BITS = 4096;
/** The size of the simulated followers' keys. */
export const REMOTE_KEY_BITS = 2048;

export type CryptoCost = { operations: number; ms: number; perSecond: number };
export type BareCosts = {
  /** One signature per instance for the post (shared inboxes). */
  postSignatures: CryptoCost;
  /** One verification per Follow, one signature per Accept. */
  followVerifications: CryptoCost;
  followSignatures: CryptoCost;
  /** One verification per activity of the inbox burst. */
  burstVerifications: CryptoCost;
};

/** A draft-cavage signing string of the size a delivery signs (request target, host, date, digest). */
function signingString(i: number): Buffer {
  return Buffer.from(
    `(request-target): post /inbox\nhost: 127.0.${i >> 8}.${i & 255}:4300\n` +
      `date: ${new Date(1_800_000_000_000 + i).toUTCString()}\n` +
      `digest: SHA-256=${Buffer.alloc(32, i & 255).toString('base64')}`,
  );
}

function timeSigns(privateKey: KeyObject, n: number): { cost: CryptoCost; signatures: Buffer[] } {
  const data = Array.from({ length: n }, (_, i) => signingString(i));
  const signatures: Buffer[] = [];
  const started = performance.now();
  for (const d of data) signatures.push(sign('sha256', d, privateKey));
  const ms = performance.now() - started;
  return { cost: { operations: n, ms, perSecond: n / (ms / 1000) }, signatures };
}

function timeVerifies(publicKey: KeyObject, signatures: Buffer[], n: number): CryptoCost {
  const data = Array.from({ length: n }, (_, i) => signingString(i % signatures.length));
  let valid = 0;
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    if (verify('sha256', data[i] as Buffer, publicKey, signatures[i % signatures.length] as Buffer)) valid++;
  }
  const ms = performance.now() - started;
  if (valid !== n) throw new Error(`bare crypto: ${n - valid} of ${n} verifications failed`);
  return { operations: n, ms, perSecond: n / (ms / 1000) };
}

export function measureBareCrypto(counts: { instances: number; follows: number; burst: number }): BareCosts {
  const local = generateKeyPairSync('rsa', { modulusLength: LOCAL_KEY_BITS });
  const remote = generateKeyPairSync('rsa', { modulusLength: REMOTE_KEY_BITS });
  // Warm-up, so the first timed operations do not pay for lazy initialisation.
  timeSigns(local.privateKey, 20);
  // What the followers signed (made untimed: the simulator signs before the clock starts).
  const theirs = timeSigns(
    remote.privateKey,
    Math.min(1000, Math.max(counts.follows, counts.burst)),
  ).signatures;
  return {
    postSignatures: timeSigns(local.privateKey, counts.instances).cost,
    followVerifications: timeVerifies(remote.publicKey, theirs, counts.follows),
    followSignatures: timeSigns(local.privateKey, counts.follows).cost,
    burstVerifications: timeVerifies(remote.publicKey, theirs, counts.burst),
  };
}
