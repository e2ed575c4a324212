import { createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { request } from 'undici';

/**
 * One signed POST of an activity to an inbox, without Fedify's per-request machinery: the body
 * and its digest are made once per activity, the key is imported once per process, and each
 * request costs one RSA signature (on the thread pool) and one HTTP exchange on the process's
 * dispatcher (timeouts: outgoing-http.ts). The signature follows the standard Fedify would knock with
 * first (RFC 9421, or draft-cavage for a server known to want it), so the server sees what
 * Fedify would have sent. Anything but a 2xx answer is reported, never retried here: the caller
 * hands such a delivery to Fedify's own path (double-knocking, redirects, retries).
 */

/** The body of one activity, ready to be posted to many inboxes. */
export type PreparedActivity = { body: string; sha256: string };

export type SigningKey = { keyId: string; key: KeyObject };

export type DirectOutcome =
  | { ok: true }
  /** An answer other than 2xx; `retryAfterMs` from a Retry-After header, when there is one. */
  | { ok: false; status: number; retryAfterMs?: number }
  /** No answer: refused, reset, timed out. */
  | { ok: false; status: undefined; error: string };

export function prepareActivity(activity: unknown): PreparedActivity {
  const body = JSON.stringify(activity);
  return { body, sha256: createHash('sha256').update(body).digest('base64') };
}

/** The most imported keys kept: one per local actor that sends at the same time. */
const MAX_CACHED_KEYS = 256;
const importedKeys = new Map<string, KeyObject>();

/**
 * The RSA key among an outbox message's key pairs (JWK, as Fedify stores them), imported once
 * per process; undefined when there is none.
 */
export function rsaSigningKey(
  keys: readonly { keyId: string; privateKey: JsonWebKey }[],
): SigningKey | undefined {
  const pair = keys.find((k) => k.privateKey?.kty === 'RSA');
  if (!pair) return undefined;
  const cacheKey = `${pair.keyId} ${pair.privateKey.n} ${pair.privateKey.d}`;
  let key = importedKeys.get(cacheKey);
  if (!key) {
    key = createPrivateKey({ key: pair.privateKey as import('node:crypto').JsonWebKey, format: 'jwk' });
    importedKeys.set(cacheKey, key);
    if (importedKeys.size > MAX_CACHED_KEYS) importedKeys.delete(importedKeys.keys().next().value as string);
  }
  return { keyId: pair.keyId, key };
}

/** The two HTTP Signatures standards in use; Fedify's names, as kept in its KV hints. */
export type SignatureSpec = 'rfc9421' | 'draft-cavage-http-signatures-12';

export async function postSigned(
  inbox: URL,
  activity: PreparedActivity,
  signer: SigningKey,
  options: { spec: SignatureSpec; userAgent: string; headers?: Readonly<Record<string, string>> },
): Promise<DirectOutcome> {
  const headers: Record<string, string> = { host: inbox.host, date: new Date().toUTCString() };
  // Extra headers of the message (FEP-8fcf's Collection-Synchronization) are signed too.
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  if (options.spec === 'rfc9421') await signRfc9421(inbox, activity, signer, headers);
  else await signDraftCavage(inbox, activity, signer, headers);
  headers['content-type'] = 'application/activity+json';
  headers['user-agent'] = options.userAgent;
  try {
    const response = await request(inbox, { method: 'POST', headers, body: activity.body });
    await response.body.dump();
    if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true };
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    return retryAfterMs === undefined
      ? { ok: false, status: response.statusCode }
      : { ok: false, status: response.statusCode, retryAfterMs };
  } catch (error) {
    return {
      ok: false,
      status: undefined,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}

/**
 * RSA PKCS#1 v1.5 with SHA-256, computed on libuv's thread pool: a fan-out's signatures use
 * every core, and the event loop keeps serving requests and queries meanwhile.
 */
const rsaSign = (text: string, signer: SigningKey): Promise<string> =>
  new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(text), signer.key, (error, signature) => {
      if (error) reject(error);
      else resolve(signature.toString('base64'));
    });
  });

/**
 * draft-cavage-http-signatures-12 as Mastodon verifies it: `Digest` of the body, and every
 * header given (host, date, digest, extras) covered with `(request-target)`.
 */
async function signDraftCavage(
  inbox: URL,
  activity: PreparedActivity,
  signer: SigningKey,
  headers: Record<string, string>,
): Promise<void> {
  headers.digest = `SHA-256=${activity.sha256}`;
  const names = Object.keys(headers);
  const signingString = [
    `(request-target): post ${inbox.pathname}${inbox.search}`,
    ...names.map((name) => `${name}: ${headers[name]?.trim()}`),
  ].join('\n');
  const signature = await rsaSign(signingString, signer);
  headers.signature = `keyId="${signer.keyId}",algorithm="rsa-sha256",headers="(request-target) ${names.join(' ')}",signature="${signature}"`;
}

/**
 * RFC 9421 HTTP Message Signatures with the components Fedify covers on its first knock
 * (method, target URI, authority, host, date, `Content-Digest` of the body), plus any extra
 * header, under the label `sig1`.
 */
async function signRfc9421(
  inbox: URL,
  activity: PreparedActivity,
  signer: SigningKey,
  headers: Record<string, string>,
): Promise<void> {
  headers['content-digest'] = `sha-256=:${activity.sha256}:`;
  const derived: [string, string][] = [
    ['@method', 'POST'],
    ['@target-uri', inbox.href],
    ['@authority', inbox.host],
  ];
  const covered = [...derived, ...Object.entries(headers)];
  const created = Math.floor(Date.now() / 1000);
  const params = `(${covered.map(([name]) => `"${name}"`).join(' ')});alg="rsa-v1_5-sha256";keyid="${sfString(signer.keyId)}";created=${created}`;
  const base = [
    ...covered.map(([name, value]) => `"${name}": ${value.trim()}`),
    `"@signature-params": ${params}`,
  ].join('\n');
  headers['signature-input'] = `sig1=${params}`;
  headers.signature = `sig1=:${await rsaSign(base, signer)}:`;
}

/** A structured-field string's content (RFC 8941): backslashes and quotes escaped. */
const sfString = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** A Retry-After header (seconds or an HTTP date) in milliseconds from now. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
