import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';

/** Where pools are cached between runs (gitignored). */
export const DEFAULT_KEY_CACHE_DIR = path.resolve(import.meta.dirname, '..', '.cache');
const CACHE_FILE = 'rsa-2048.keys';

/**
 * RSA-2048 key pairs for simulated actors, kept as PKCS#8 DER (about 1.2 kB each) and turned
 * into key objects only when used, so 10,000 of them stay around 12 MB.
 */
export class KeyPool {
  readonly #ders: Buffer[];
  readonly #publicPems = new Map<number, string>();

  constructor(ders: Buffer[]) {
    this.#ders = ders;
  }

  get size(): number {
    return this.#ders.length;
  }

  /** The private key `index` as PKCS#8 DER (what `node:crypto`'s `sign` takes directly). */
  privateDer(index: number): Buffer {
    const der = this.#ders[index];
    if (!der) throw new RangeError(`no key ${index} in a pool of ${this.#ders.length}`);
    return der;
  }

  privateKey(index: number): KeyObject {
    return createPrivateKey({ key: this.privateDer(index), format: 'der', type: 'pkcs8' });
  }

  /** The public key `index` as SPKI PEM, as Mastodon puts it in `publicKey.publicKeyPem`. */
  publicKeyPem(index: number): string {
    let pem = this.#publicPems.get(index);
    if (!pem) {
      pem = createPublicKey(this.privateKey(index)).export({ type: 'spki', format: 'pem' }).toString();
      this.#publicPems.set(index, pem);
    }
    return pem;
  }
}

/**
 * A pool of at least `count` keys: read from the cache in `cacheDir`, the missing ones generated
 * in parallel (Node runs `generateKeyPair` on its thread pool, so every core works) and the cache
 * rewritten with the larger pool. Writes go through a temporary file and a rename, so processes
 * growing the cache at the same time never read a torn file (the last writer's pool wins).
 */
export async function loadKeyPool(
  count: number,
  options: { cacheDir?: string; onProgress?: (generated: number, missing: number) => void } = {},
): Promise<KeyPool> {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`bad key count ${count}`);
  const dir = options.cacheDir ?? DEFAULT_KEY_CACHE_DIR;
  const file = path.join(dir, CACHE_FILE);
  const cached = existsSync(file) ? decode(readFileSync(file)) : [];
  if (cached.length >= count) return new KeyPool(cached.slice(0, count));
  const missing = count - cached.length;
  const fresh = await generateKeys(missing, options.onProgress);
  const all = [...cached, ...fresh];
  mkdirSync(dir, { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, encode(all));
  renameSync(temporary, file);
  return new KeyPool(all);
}

async function generateKeys(
  count: number,
  onProgress?: (generated: number, missing: number) => void,
): Promise<Buffer[]> {
  const out: Buffer[] = new Array(count);
  let next = 0;
  let done = 0;
  // A few more in flight than cores keeps the thread pool busy without flooding it.
  const lanes = Math.min(count, availableParallelism() * 2);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < count) {
        const slot = next++;
        out[slot] = await generateOne();
        done++;
        if (onProgress && (done % 500 === 0 || done === count)) onProgress(done, count);
      }
    }),
  );
  return out;
}

function generateOne(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicExponent: 0x10001,
        privateKeyEncoding: { type: 'pkcs8', format: 'der' },
        publicKeyEncoding: { type: 'spki', format: 'der' },
      },
      (error, _publicKey, privateKey) => (error ? reject(error) : resolve(privateKey)),
    );
  });
}

// The cache file: each key as a 2-byte big-endian length followed by its PKCS#8 DER.
function encode(ders: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const der of ders) {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(der.length);
    parts.push(length, der);
  }
  return Buffer.concat(parts);
}

function decode(file: Buffer): Buffer[] {
  const ders: Buffer[] = [];
  let at = 0;
  while (at + 2 <= file.length) {
    const length = file.readUInt16BE(at);
    if (at + 2 + length > file.length) break; // a truncated tail: keep the whole keys before it
    // Copy so each key owns its bytes and the file buffer can be collected.
    ders.push(Buffer.from(file.subarray(at + 2, at + 2 + length)));
    at += 2 + length;
  }
  return ders;
}
