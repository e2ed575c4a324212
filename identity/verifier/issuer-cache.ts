import { StatusList } from '@sd-jwt/jwt-status-list';
import { type CryptoKey, decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { z } from 'zod';

/** A trusted issuer; without `name`, the display name from its OpenID4VCI metadata is used. */
export type PinnedIssuer = { url: string; name?: string };

const metadataSchema = z.object({
  issuer: z.string(),
  jwks: z.object({
    keys: z.array(z.looseObject({ kid: z.string(), kty: z.literal('EC'), crv: z.literal('P-256') })),
  }),
});

const statusListPayload = z.object({
  sub: z.string(),
  iat: z.number(),
  exp: z.number().optional(),
  ttl: z.number().optional(),
  status_list: z.object({
    bits: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]),
    lst: z.string(),
  }),
});

type KeysEntry = { keys: Map<string, CryptoKey>; fetchedAt: number; displayName: string | undefined };

const displaySchema = z.object({
  display: z.array(z.object({ name: z.string().min(1).max(200), locale: z.string().optional() })).optional(),
});
type StatusEntry = { list: StatusList; expiresAt: number };

/**
 * Keys and status lists of pinned issuers, fetched over HTTP and cached. The platform
 * never calls the issuer per presentation (only on cache expiry), so the issuer cannot
 * learn where its credentials are used.
 */
export class IssuerCache {
  readonly #fetch: typeof fetch;
  readonly #keyTtlMs: number;
  readonly #maxStatusTtlMs: number;
  readonly #now: () => Date;
  readonly #keys = new Map<string, KeysEntry>();
  readonly #status = new Map<string, StatusEntry>();

  constructor(options: {
    fetch?: typeof fetch;
    keyTtlSeconds?: number;
    maxStatusTtlSeconds?: number;
    now?: () => Date;
  }) {
    this.#fetch = options.fetch ?? fetch;
    this.#keyTtlMs = (options.keyTtlSeconds ?? 3600) * 1000;
    this.#maxStatusTtlMs = (options.maxStatusTtlSeconds ?? 3600) * 1000;
    this.#now = options.now ?? (() => new Date());
  }

  async #loadKeys(issuer: string): Promise<KeysEntry> {
    const response = await this.#fetch(`${issuer}/.well-known/jwt-vc-issuer`, {
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`issuer metadata: HTTP ${response.status}`);
    const metadata = metadataSchema.parse(await response.json());
    if (metadata.issuer !== issuer) throw new Error('issuer metadata names another issuer');
    const keys = new Map<string, CryptoKey>();
    for (const jwk of metadata.jwks.keys) {
      const key = await importJWK(jwk as JWK, 'ES256');
      if (key instanceof Uint8Array) throw new Error('issuer published a symmetric key');
      keys.set(jwk.kid, key);
    }
    const entry = { keys, fetchedAt: this.#now().getTime(), displayName: await this.#displayName(issuer) };
    this.#keys.set(issuer, entry);
    return entry;
  }

  /** The French (else first) display name in the issuer's OpenID4VCI metadata, if any. */
  async #displayName(issuer: string): Promise<string | undefined> {
    const response = await this.#fetch(`${issuer}/.well-known/openid-credential-issuer`, {
      headers: { accept: 'application/json' },
    });
    if (!response.ok) return undefined;
    const parsed = displaySchema.safeParse(await response.json());
    const display = parsed.success ? parsed.data.display : undefined;
    return (display?.find((d) => d.locale === 'fr') ?? display?.[0])?.name;
  }

  /** The issuer's display name (cached with its keys). */
  async displayName(issuer: string): Promise<string | undefined> {
    return this.#keys.get(issuer)?.displayName;
  }

  /** The issuer's key for `kid`; refetches once when the kid is unknown (key rotation). */
  async key(issuer: string, kid: string): Promise<CryptoKey | undefined> {
    let entry = this.#keys.get(issuer);
    const now = this.#now().getTime();
    if (!entry || now - entry.fetchedAt > this.#keyTtlMs) entry = await this.#loadKeys(issuer);
    const key = entry.keys.get(kid);
    // A new kid after rotation: refetch, but at most once a minute per issuer.
    if (!key && now - entry.fetchedAt > 60_000) return (await this.#loadKeys(issuer)).keys.get(kid);
    return key;
  }

  /** The status of entry `idx` in the list at `uri` (0 = valid). */
  async status(issuer: string, uri: string, idx: number): Promise<number> {
    return (await this.statusList(issuer, uri)).getStatus(idx);
  }

  /**
   * The whole status list at `uri`, checked against the issuer's keys; cached for its `ttl`
   * unless `refresh` asks for a fresh copy (the scheduled revocation check).
   */
  async statusList(issuer: string, uri: string, options: { refresh?: boolean } = {}): Promise<StatusList> {
    const now = this.#now().getTime();
    let entry = this.#status.get(uri);
    if (!entry || entry.expiresAt <= now || options.refresh) {
      const response = await this.#fetch(uri, { headers: { accept: 'application/statuslist+jwt' } });
      if (!response.ok) throw new Error(`status list: HTTP ${response.status}`);
      const jwt = await response.text();
      const header = decodeProtectedHeader(jwt);
      if (header.typ !== 'statuslist+jwt' || typeof header.kid !== 'string')
        throw new Error('not a status list token');
      const key = await this.key(issuer, header.kid);
      if (!key) throw new Error('status list signed by an unknown key');
      const { payload } = await jwtVerify(jwt, key, {
        algorithms: ['ES256'],
        typ: 'statuslist+jwt',
        currentDate: new Date(now),
      });
      const parsed = statusListPayload.parse(payload);
      if (parsed.sub !== uri) throw new Error('status list subject does not match its address');
      const ttlMs = Math.min((parsed.ttl ?? 300) * 1000, this.#maxStatusTtlMs);
      entry = {
        list: StatusList.decompressStatusList(parsed.status_list.lst, parsed.status_list.bits),
        expiresAt: now + ttlMs,
      };
      this.#status.set(uri, entry);
    }
    return entry.list;
  }
}
