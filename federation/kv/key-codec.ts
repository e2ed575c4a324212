import type { KvKey } from '@fedify/fedify';

/**
 * A KV key (an array of strings) as one text: each component URI-encoded (so it never
 * contains `/`) and joined with `/`. Key prefixes become string prefixes, which a range query
 * on a "C"-collated index answers.
 */
export function encodeKey(key: readonly string[]): string {
  return key.map((part) => encodeURIComponent(part)).join('/');
}

export function decodeKey(encoded: string): KvKey {
  const parts = encoded.split('/').map((part) => decodeURIComponent(part));
  return parts as [string, ...string[]];
}
