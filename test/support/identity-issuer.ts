import { createHash, randomBytes } from 'node:crypto';
import { StatusList } from '@sd-jwt/jwt-status-list';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/**
 * A hand-made SD-JWT VC issuer for the verifier's unit tests: it can sign what a real
 * issuer never would (duplicate digests, a disclosable `cnf`, a wrong `typ`), and serves
 * its metadata and status list through a fake `fetch`.
 */
export const sha256 = (text: string) => createHash('sha256').update(text, 'ascii').digest('base64url');

export function disclosure(
  name: string,
  value: unknown,
  salt = randomBytes(16).toString('base64url'),
): string {
  return Buffer.from(JSON.stringify([salt, name, value])).toString('base64url');
}

export type TestIssuer = Awaited<ReturnType<typeof createTestIssuer>>;

export async function createTestIssuer(url: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'key-1';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256' };
  const revoked = new Set<number>();
  const statusUri = `${url}/status-lists/1`;
  let nextIdx = 7;

  async function signIssuerJwt(
    payload: JWTPayload,
    header: Record<string, unknown> = {},
    key: CryptoKey = privateKey,
  ) {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: 'dc+sd-jwt', kid, ...header })
      .sign(key);
  }

  /** A credential for `holderJwk` with the given disclosable claims; `tweak` edits the payload before signing. */
  async function issue(
    holderJwk: JWK,
    claims: Record<string, unknown> = {
      resident_of: 'Parvis-sur-Loire',
      district: 'Centre',
      age_range: '30-39',
    },
    options: {
      tweak?: (payload: JWTPayload, disclosures: string[]) => void;
      header?: Record<string, unknown>;
      key?: CryptoKey;
    } = {},
  ) {
    const disclosures = Object.entries(claims).map(([name, value]) => disclosure(name, value));
    const now = Math.floor(Date.now() / 86_400_000) * 86_400;
    const payload: JWTPayload = {
      iss: url,
      iat: now,
      exp: now + 30 * 86_400,
      vct: `${url}/credentials/residence`,
      _sd_alg: 'sha-256',
      _sd: disclosures.map(sha256),
      cnf: { jwk: holderJwk },
      status: { status_list: { idx: nextIdx++, uri: statusUri } },
    };
    options.tweak?.(payload, disclosures);
    const jwt = await signIssuerJwt(payload, options.header, options.key);
    return `${[jwt, ...disclosures].join('~')}~`;
  }

  async function statusListJwt() {
    const bits = new Array<number>(1024).fill(0);
    for (const idx of revoked) bits[idx] = 1;
    const list = new StatusList(bits, 1);
    return new SignJWT({ status_list: { bits: 1, lst: list.compressStatusList() }, ttl: 1 })
      .setProtectedHeader({ alg: 'ES256', typ: 'statuslist+jwt', kid })
      .setSubject(statusUri)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
  }

  const requests: string[] = [];
  const fakeFetch: typeof fetch = async (input) => {
    const target = String(input);
    requests.push(target);
    if (target === `${url}/.well-known/jwt-vc-issuer`) {
      return Response.json({ issuer: url, jwks: { keys: [publicJwk] } });
    }
    if (target === statusUri) {
      return new Response(await statusListJwt(), {
        headers: { 'content-type': 'application/statuslist+jwt' },
      });
    }
    return new Response('not found', { status: 404 });
  };

  return { url, issue, signIssuerJwt, revoked, fetch: fakeFetch, requests, statusUri };
}
