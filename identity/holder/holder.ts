import { createHash } from 'node:crypto';
import { DcqlQuery } from 'dcql';
import { type CryptoKey, decodeJwt, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/**
 * A holder for Node (tests, scripts): the same steps as the wallet page. Keys are
 * WebCrypto keys whose private half is not extractable; each credential has its own key
 * and is presented once.
 */

export type HolderKey = { privateKey: CryptoKey; publicJwk: JWK };
export type HeldCredential = { credential: string; key: HolderKey; claims: Record<string, unknown> };

const sha256 = (text: string) => createHash('sha256').update(text, 'ascii').digest('base64url');

export async function generateHolderKey(): Promise<HolderKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: false });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  return { privateKey, publicJwk: { kty, crv, x, y } };
}

/** Decodes the disclosures of an SD-JWT: name → value, and name → encoded disclosure. */
export function decodeDisclosures(credential: string): Map<string, { value: unknown; encoded: string }> {
  const parts = credential.split('~').slice(1);
  const result = new Map<string, { value: unknown; encoded: string }>();
  for (const encoded of parts) {
    if (!encoded) continue;
    const decoded: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 3 && typeof decoded[1] === 'string') {
      result.set(decoded[1], { value: decoded[2], encoded });
    }
  }
  return result;
}

/** Builds a presentation revealing only `claims`, with a key-binding JWT for `audience`/`nonce`. */
export async function present(
  held: Pick<HeldCredential, 'credential' | 'key'>,
  options: { claims: string[]; audience: string; nonce: string; iat?: number },
): Promise<string> {
  const [issuerJwt] = held.credential.split('~');
  const disclosures = decodeDisclosures(held.credential);
  const chosen = options.claims.map((name) => {
    const found = disclosures.get(name);
    if (!found) throw new Error(`the credential has no claim "${name}"`);
    return found.encoded;
  });
  const withoutKb = `${[issuerJwt, ...chosen].join('~')}~`;
  const kb = await new SignJWT({ aud: options.audience, nonce: options.nonce, sd_hash: sha256(withoutKb) })
    .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .sign(held.key.privateKey);
  return withoutKb + kb;
}

export type CredentialOffer = {
  credential_issuer: string;
  credential_configuration_ids: string[];
  grants: { 'urn:ietf:params:oauth:grant-type:pre-authorized_code': { 'pre-authorized_code': string } };
};

export function parseOfferUri(uri: string): CredentialOffer {
  const url = new URL(uri);
  const raw = url.searchParams.get('credential_offer');
  if (!raw) throw new Error('no credential_offer in the offer URI');
  return JSON.parse(raw) as CredentialOffer;
}

async function json(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${response.url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * OpenID4VCI, pre-authorised code flow: token, nonce, then one credential request with a
 * batch of proofs (a fresh key each). Returns the credentials and the refresh token.
 */
export async function receiveBatch(
  offer: CredentialOffer,
  count: number,
  fetchImpl: typeof fetch = fetch,
): Promise<{ credentials: HeldCredential[]; accessToken: string; refreshToken: string | undefined }> {
  const issuer = offer.credential_issuer;
  const metadata = await json(await fetchImpl(`${issuer}/.well-known/openid-credential-issuer`));
  const asMetadata = await json(await fetchImpl(`${issuer}/.well-known/oauth-authorization-server`));
  const code = offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'];
  const token = await json(
    await fetchImpl(String(asMetadata.token_endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
        'pre-authorized_code': code,
      }),
    }),
  );
  const accessToken = String(token.access_token);
  const credentials = await requestCredentials(
    issuer,
    metadata,
    accessToken,
    offer.credential_configuration_ids[0] ?? 'residence',
    count,
    fetchImpl,
  );
  return { credentials, accessToken, refreshToken: token.refresh_token as string | undefined };
}

export async function requestCredentials(
  issuer: string,
  metadata: Record<string, unknown>,
  accessToken: string,
  configurationId: string,
  count: number,
  fetchImpl: typeof fetch = fetch,
): Promise<HeldCredential[]> {
  const nonce = await json(await fetchImpl(String(metadata.nonce_endpoint), { method: 'POST' }));
  const keys = await Promise.all(Array.from({ length: count }, () => generateHolderKey()));
  const proofs = await Promise.all(
    keys.map((key) =>
      new SignJWT({ nonce: nonce.c_nonce })
        .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk: key.publicJwk })
        .setAudience(issuer)
        .setIssuedAt()
        .sign(key.privateKey),
    ),
  );
  const response = await json(
    await fetchImpl(String(metadata.credential_endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ credential_configuration_id: configurationId, proofs: { jwt: proofs } }),
    }),
  );
  const issued = response.credentials as { credential: string }[];
  return issued.map(({ credential }, i) => {
    const claims: Record<string, unknown> = { ...decodeJwt(credential.split('~')[0]!) };
    for (const [name, { value }] of decodeDisclosures(credential)) claims[name] = value;
    return { credential, key: keys[i]!, claims };
  });
}

export type PresentationRequest = {
  response_type: 'vp_token';
  response_mode: 'direct_post';
  client_id: string;
  response_uri: string;
  nonce: string;
  state: string;
  dcql_query: {
    credentials: {
      id: string;
      format: string;
      meta?: { vct_values?: string[] };
      claims?: { path: string[] }[];
    }[];
  };
};

/**
 * Answers an OpenID4VP request with `direct_post`: the DCQL query is parsed and matched with
 * the `dcql` library, the first unused credential that satisfies it is presented (only the
 * claims asked for, or the subset `claims`) and spent.
 */
export async function respond(
  wallet: HeldCredential[],
  request: PresentationRequest,
  claims?: string[],
  fetchImpl: typeof fetch = fetch,
): Promise<Response> {
  const query = DcqlQuery.parse(request.dcql_query as DcqlQuery.Input);
  DcqlQuery.validate(query);
  const credentialQuery = query.credentials[0];
  if (credentialQuery?.format !== 'dc+sd-jwt') throw new Error('no dc+sd-jwt credential asked for');
  const index = wallet.findIndex(
    (held) =>
      DcqlQuery.query(query, [
        {
          credential_format: 'dc+sd-jwt',
          vct: String(held.claims.vct),
          claims: held.claims as Record<string, string>,
          cryptographic_holder_binding: true,
        },
      ]).can_be_satisfied,
  );
  if (index < 0) throw new Error('no unused credential satisfies the request');
  const [held] = wallet.splice(index, 1);
  const asked = (credentialQuery.claims ?? []).map((c) => String(c.path[0]));
  const chosen = claims ? asked.filter((c) => claims.includes(c)) : asked;
  const presentation = await present(held!, {
    claims: chosen,
    audience: request.client_id,
    nonce: request.nonce,
  });
  return fetchImpl(request.response_uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      vp_token: JSON.stringify({ [credentialQuery.id]: [presentation] }),
      state: request.state,
    }),
  });
}
