import { isIPv4 } from 'node:net';

/**
 * `count` distinct loopback addresses from `first` on (all of 127.0.0.0/8 is loopback on
 * Linux), skipping host parts .0 and .255 and 127.0.0.1 itself, where the server under test
 * and other test servers listen.
 */
export function loopbackAddresses(count: number, first = '127.0.1.1'): string[] {
  if (!isIPv4(first) || !first.startsWith('127.'))
    throw new RangeError(`${first} is not a 127.x.y.z address`);
  const parts = first.split('.').map(Number);
  let value = ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0);
  const out: string[] = [];
  while (out.length < count) {
    if (value > 0xffffff) throw new RangeError(`not enough loopback addresses after ${first} for ${count}`);
    const host = value & 0xff;
    if (host !== 0 && host !== 255 && value !== 1)
      out.push(`127.${(value >> 16) & 0xff}.${(value >> 8) & 0xff}.${host}`);
    value++;
  }
  return out;
}
