import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The service secret (keys the de-duplication HMAC): from config, else kept in the data folder. */
export async function loadSecretKey(dataDir: string, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'secret.key');
  try {
    const handle = await open(file, 'wx', 0o600);
    const key = randomBytes(32).toString('base64url');
    await handle.writeFile(key);
    await handle.close();
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readFile(file, 'utf8')).trim();
  }
}

export type LegalIdentity = { familyName: string; givenNames: string; birthdate: string };

/** Letters that Unicode decomposition keeps whole, spelled out as civil registers also write them. */
const FOLDED: Record<string, string> = { æ: 'ae', œ: 'oe', ß: 'ss', ø: 'o', đ: 'd', ł: 'l', þ: 'th' };

/** The name's words: no accents, case, ligatures or punctuation. */
function nameWords(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[æœßøđłþ]/g, (c) => FOLDED[c]!)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * The de-duplication key: an HMAC of the normalised identity. The same person enrolled by
 * two methods gets the same key; without the secret it cannot be recomputed from a name.
 */
export function dedupKey(secret: string, identity: LegalIdentity): string {
  // A desk reads an ID card and an eID sends its own spelling: the family name is compared
  // without its spaces or hyphens ("Le Goff", "LEGOFF"), given names in any order.
  const normalised = [
    nameWords(identity.familyName).join(''),
    nameWords(identity.givenNames).sort().join(' '),
    identity.birthdate,
  ].join('\n');
  return createHmac('sha256', secret).update(normalised).digest('base64url');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A letter code a person can type: 10 characters, no look-alikes, shown in groups. */
export function letterCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let code = '';
  for (let i = 0; i < 10; i++) code += alphabet[randomInt(alphabet.length)];
  return code;
}

/**
 * What is stored of a letter code: an HMAC under the service secret (kept outside the
 * database) and bound to its request, since 50 bits would not resist an offline search.
 */
export function letterCodeHash(secret: string, requestId: string, code: string): string {
  return createHmac('sha256', secret).update(`letter-code:${requestId}:${code}`).digest('base64url');
}

export function normaliseLetterCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
