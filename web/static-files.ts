import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const STATIC_DIR = path.join(import.meta.dirname, 'static');

const versions = new Map<string, string>();

/**
 * The URL of a file under web/static with a content hash in its query, so it can be cached for
 * a year and still change the moment the file does.
 */
export function staticUrl(file: string): string {
  let version = versions.get(file);
  if (!version) {
    version = createHash('sha256')
      .update(readFileSync(path.join(STATIC_DIR, file)))
      .digest('hex')
      .slice(0, 12);
    versions.set(file, version);
  }
  return `/static/${file}?v=${version}`;
}
