import { createHash } from 'node:crypto';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  importJWK,
  type JWK,
  jwtVerify,
} from 'jose';
import { z } from 'zod';
import { IssuerCache, type PinnedIssuer } from './issuer-cache.ts';

export type { PinnedIssuer } from './issuer-cache.ts';

/** Claims a badge may carry; anything else disclosed is ignored, never stored. */
export const BADGE_CLAIMS = ['resident_of', 'district', 'age_range'] as const;
export type BadgeClaim = (typeof BADGE_CLAIMS)[number];

export type Badge = {
  issuer: string;
  issuerName: string;
  type: string;
  disclosed: Partial<Record<BadgeClaim, string>>;
  expiresAt: Date;
  holderKeyThumbprint: string;
  /** The credential's entry in the issuer's Token Status List, for later revocation checks. */
  status: { uri: string; idx: number };
};

export type VerifyFailure =
  | 'malformed'
  | 'missing-key-binding'
  | 'wrong-type'
  | 'unknown-issuer'
  | 'issuer-unreachable'
  | 'unknown-key'
  | 'bad-signature'
  | 'expired'
  | 'wrong-credential-type'
  | 'missing-holder-key'
  | 'invalid-disclosure'
  | 'duplicate-disclosure'
  | 'unreferenced-disclosure'
  | 'reserved-claim-disclosed'
  | 'bad-key-binding'
  | 'wrong-audience'
  | 'stale-key-binding'
  | 'sd-hash-mismatch'
  | 'status-unavailable'
  | 'revoked'
  | 'nonce-invalid';

export type VerifyResult =
  | {
      ok: true;
      badge: Badge;
      /** SHA-256 of the issuer's signing input (header and payload): lets the caller refuse a second use. */
      credentialId: string;
    }
  | { ok: false; reason: VerifyFailure };

export type VerifierOptions = {
  issuers: PinnedIssuer[];
  /** The platform origin; the KB-JWT `aud` must equal it. */
  audience: string;
  /** Credential types accepted, per issuer URL; default `<issuer>/credentials/residence`. */
  types?: (issuer: string) => string[];
  fetch?: typeof fetch;
  now?: () => Date;
  maxKeyBindingAgeSeconds?: number;
  keyTtlSeconds?: number;
  maxStatusTtlSeconds?: number;
};

/** Claims that are never selectively disclosable (SD-JWT VC §3.2.2 and RFC 9901 §4.2). */
const RESERVED = new Set([
  '_sd',
  '...',
  '_sd_alg',
  'iss',
  'sub',
  'aud',
  'iat',
  'nbf',
  'exp',
  'jti',
  'cnf',
  'vct',
  'vct#integrity',
  'status',
]);
const MAX_PRESENTATION_LENGTH = 16_384;

const b64url = (bytes: Buffer) => bytes.toString('base64url');
const sha256 = (text: string) => b64url(createHash('sha256').update(text, 'ascii').digest());

const issuerPayload = z.looseObject({
  iss: z.string(),
  vct: z.string(),
  exp: z.number(),
  iat: z.number().optional(),
  _sd_alg: z.literal('sha-256').optional(),
  _sd: z.array(z.string()).default([]),
  cnf: z.object({
    jwk: z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() }),
  }),
  status: z.object({ status_list: z.object({ idx: z.number().int().min(0), uri: z.url() }) }),
});

const kbPayload = z.object({
  iat: z.number(),
  aud: z.string(),
  nonce: z.string().min(1),
  sd_hash: z.string(),
});

const fail = (reason: VerifyFailure): VerifyResult => ({ ok: false, reason });

/**
 * Verifies an SD-JWT VC presentation. It closes the gaps of `SDJwtVcInstance.verify()`
 * listed in IDENTITY.md: the KB-JWT is mandatory and its `aud`, `iat`, `nonce` and
 * `sd_hash` are checked; unreferenced, duplicated or reserved disclosures and duplicate
 * digests are refused; the header `typ` must be `dc+sd-jwt`; the holder key comes only
 * from the issuer-signed `cnf`. The nonce is consumed last, through `consumeNonce`, so
 * that a refused presentation changes nothing.
 */
export function createVerifier(options: VerifierOptions) {
  const now = options.now ?? (() => new Date());
  const cache = new IssuerCache({
    fetch: options.fetch,
    now,
    keyTtlSeconds: options.keyTtlSeconds,
    maxStatusTtlSeconds: options.maxStatusTtlSeconds,
  });
  const maxAge = options.maxKeyBindingAgeSeconds ?? 300;
  const typesFor = options.types ?? ((issuer: string) => [`${issuer}/credentials/residence`]);

  async function verify(
    presentation: string,
    consumeNonce: (nonce: string) => Promise<boolean>,
  ): Promise<VerifyResult> {
    if (typeof presentation !== 'string' || presentation.length > MAX_PRESENTATION_LENGTH)
      return fail('malformed');
    const parts = presentation.split('~');
    if (parts.length < 2) return fail('malformed');
    const kbJwt = parts.at(-1)!;
    if (kbJwt === '') return fail('missing-key-binding');
    const issuerJwt = parts[0]!;
    const disclosures = parts.slice(1, -1);

    // 1. Issuer-signed JWT: header, pinned issuer, signature.
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(issuerJwt);
      unverified = decodeJwt(issuerJwt);
    } catch {
      return fail('malformed');
    }
    if (header.typ !== 'dc+sd-jwt') return fail('wrong-type');
    if (header.alg !== 'ES256' || typeof header.kid !== 'string') return fail('bad-signature');
    const issuer = options.issuers.find((i) => i.url === unverified.iss);
    if (!issuer) return fail('unknown-issuer');
    let key: CryptoKey | undefined;
    try {
      key = await cache.key(issuer.url, header.kid);
    } catch {
      return fail('issuer-unreachable');
    }
    if (!key) return fail('unknown-key');
    const at = now();
    let payload: z.infer<typeof issuerPayload>;
    try {
      const verified = await jwtVerify(issuerJwt, key, {
        algorithms: ['ES256'],
        typ: 'dc+sd-jwt',
        issuer: issuer.url,
        currentDate: at,
        requiredClaims: ['exp'],
      });
      const parsed = issuerPayload.safeParse(verified.payload);
      if (!parsed.success)
        return fail(verified.payload.cnf === undefined ? 'missing-holder-key' : 'malformed');
      payload = parsed.data;
    } catch (error) {
      if (error instanceof errors.JWTExpired) return fail('expired');
      return fail('bad-signature');
    }
    if (!typesFor(issuer.url).includes(payload.vct)) return fail('wrong-credential-type');

    // 2. Disclosures: each must be well formed, unique, referenced once, and not reserved.
    if (new Set(payload._sd).size !== payload._sd.length) return fail('duplicate-disclosure');
    const referenced = new Set(payload._sd);
    const seen = new Set<string>();
    const disclosed: Partial<Record<BadgeClaim, string>> = {};
    const names = new Set<string>();
    for (const disclosure of disclosures) {
      const digest = sha256(disclosure);
      if (seen.has(digest)) return fail('duplicate-disclosure');
      seen.add(digest);
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(disclosure, 'base64url').toString('utf8'));
      } catch {
        return fail('invalid-disclosure');
      }
      if (
        !Array.isArray(decoded) ||
        decoded.length !== 3 ||
        typeof decoded[0] !== 'string' ||
        typeof decoded[1] !== 'string'
      ) {
        return fail('invalid-disclosure');
      }
      const name = decoded[1];
      if (RESERVED.has(name)) return fail('reserved-claim-disclosed');
      if (!referenced.has(digest)) return fail('unreferenced-disclosure');
      if (names.has(name) || name in payload) return fail('duplicate-disclosure');
      names.add(name);
      if ((BADGE_CLAIMS as readonly string[]).includes(name)) {
        if (typeof decoded[2] !== 'string') return fail('invalid-disclosure');
        disclosed[name as BadgeClaim] = decoded[2];
      }
    }

    // 3. Key binding: signed by the issuer-signed `cnf` key, for us, fresh, over this presentation.
    let holderKey: CryptoKey | Uint8Array;
    try {
      holderKey = await importJWK(payload.cnf.jwk as JWK, 'ES256');
    } catch {
      return fail('missing-holder-key');
    }
    let kb: z.infer<typeof kbPayload>;
    try {
      const verified = await jwtVerify(kbJwt, holderKey, {
        algorithms: ['ES256'],
        typ: 'kb+jwt',
        currentDate: at,
      });
      const parsed = kbPayload.safeParse(verified.payload);
      if (!parsed.success) return fail('bad-key-binding');
      kb = parsed.data;
    } catch {
      return fail('bad-key-binding');
    }
    if (kb.aud !== options.audience) return fail('wrong-audience');
    const nowSeconds = at.getTime() / 1000;
    if (kb.iat < nowSeconds - maxAge || kb.iat > nowSeconds + 60) return fail('stale-key-binding');
    if (kb.sd_hash !== sha256(presentation.slice(0, presentation.length - kbJwt.length))) {
      return fail('sd-hash-mismatch');
    }

    // 4. Status, from the issuer's own list only (no third-party fetches).
    const { idx, uri } = payload.status.status_list;
    if (!uri.startsWith(`${issuer.url}/`)) return fail('status-unavailable');
    try {
      if ((await cache.status(issuer.url, uri, idx)) !== 0) return fail('revoked');
    } catch {
      return fail('status-unavailable');
    }

    // 5. Last, the single-use nonce: only a presentation that passed everything consumes it.
    if (!(await consumeNonce(kb.nonce))) return fail('nonce-invalid');

    return {
      ok: true,
      // The signed part only: an ECDSA signature can be rewritten (s → n − s, or other base64
      // padding bits) into another valid one, which would give one credential a second id.
      credentialId: sha256(issuerJwt.slice(0, issuerJwt.lastIndexOf('.'))),
      badge: {
        issuer: issuer.url,
        issuerName: issuer.name ?? (await cache.displayName(issuer.url)) ?? new URL(issuer.url).host,
        type: payload.vct,
        disclosed,
        expiresAt: new Date(payload.exp * 1000),
        holderKeyThumbprint: await calculateJwkThumbprint(payload.cnf.jwk as JWK),
        status: { uri, idx },
      },
    };
  }

  /**
   * A fresh copy of a pinned issuer's whole status list: the same request whoever holds a badge
   * from it, so the issuer learns nothing about which badge is checked. Only lists on the
   * issuer's own origin, as in `verify`.
   */
  async function statusList(issuerUrl: string, uri: string) {
    const issuer = options.issuers.find((i) => i.url === issuerUrl);
    if (!issuer || !uri.startsWith(`${issuer.url}/`)) return undefined;
    const list = await cache.statusList(issuer.url, uri, { refresh: true });
    return { statusOf: (idx: number) => list.getStatus(idx) };
  }

  return { verify, statusList };
}

export type Verifier = ReturnType<typeof createVerifier>;
