import express, { type Router } from 'express';
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { z } from 'zod';
import type { ServiceContext } from './context.ts';
import {
  checkCNonce,
  createCNonce,
  PRE_AUTHORIZED_GRANT,
  personForAccessToken,
  redeemPreAuthorizedCode,
  redeemRefreshToken,
} from './grants.ops.ts';
import { bearer, problem } from './http.ts';
import { CREDENTIAL_TYPE, issueBatch, vctFor } from './issuance.ops.ts';
import { publishedKeys } from './keys.ops.ts';
import { STATUS_LIST_ID, STATUS_LIST_TTL_SECONDS, signedStatusList } from './status.ops.ts';

const tokenRequest = z.discriminatedUnion('grant_type', [
  z.object({
    grant_type: z.literal(PRE_AUTHORIZED_GRANT),
    'pre-authorized_code': z.string().min(1).max(200),
  }),
  z.object({ grant_type: z.literal('refresh_token'), refresh_token: z.string().min(1).max(200) }),
]);

const credentialRequest = z.object({
  credential_configuration_id: z.literal(CREDENTIAL_TYPE),
  proofs: z.object({ jwt: z.array(z.string().max(4096)).min(1) }),
});

/** OAuth / OpenID4VCI errors use their own JSON shape (RFC 6749 §5.2). */
function oauthError(res: express.Response, status: number, error: string, description: string) {
  res.status(status).json({ error, error_description: description });
}

/** Checks an OpenID4VCI key proof and returns the holder's public key. */
async function holderKeyFromProof(ctx: ServiceContext, proof: string): Promise<JWK | undefined> {
  try {
    const header = decodeProtectedHeader(proof);
    if (header.typ !== 'openid4vci-proof+jwt' || header.alg !== 'ES256' || !header.jwk) return undefined;
    const jwk = header.jwk as JWK;
    if ('d' in jwk) return undefined;
    const { payload } = await jwtVerify(proof, await importJWK(jwk, 'ES256'), {
      audience: ctx.config.publicUrl,
      typ: 'openid4vci-proof+jwt',
      maxTokenAge: '5m',
      currentDate: ctx.now(),
    });
    if (typeof payload.nonce !== 'string' || !checkCNonce(ctx, payload.nonce)) return undefined;
    return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  } catch {
    // Any decoding or signature failure means the proof is refused.
    return undefined;
  }
}

export function issuerRouter(ctx: ServiceContext): Router {
  const router = express.Router();
  const base = ctx.config.publicUrl;

  router.get('/.well-known/jwt-vc-issuer', async (_req, res) => {
    res.set('cache-control', 'public, max-age=300');
    res.json({ issuer: base, jwks: { keys: await publishedKeys(ctx.db, ctx.now()) } });
  });

  router.get('/.well-known/openid-credential-issuer', (_req, res) => {
    res.json({
      credential_issuer: base,
      credential_endpoint: `${base}/credential`,
      nonce_endpoint: `${base}/nonce`,
      batch_credential_issuance: { batch_size: ctx.config.batchSize },
      display: [{ name: ctx.config.issuerName, locale: 'fr' }],
      credential_configurations_supported: {
        [CREDENTIAL_TYPE]: {
          format: 'dc+sd-jwt',
          vct: vctFor(base),
          cryptographic_binding_methods_supported: ['jwk'],
          credential_signing_alg_values_supported: ['ES256'],
          proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'] } },
          credential_metadata: {
            display: [
              { name: 'Résidence', locale: 'fr' },
              { name: 'Residence', locale: 'en' },
            ],
            claims: ['resident_of', 'district', 'age_range'].map((name) => ({ path: [name] })),
          },
        },
      },
    });
  });

  router.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.json({
      issuer: base,
      token_endpoint: `${base}/token`,
      grant_types_supported: [PRE_AUTHORIZED_GRANT, 'refresh_token'],
      'pre-authorized_grant_anonymous_access_supported': true,
    });
  });

  router.get(`/credentials/${CREDENTIAL_TYPE}`, (_req, res) => {
    res.json({
      vct: vctFor(base),
      name: 'Résidence',
      display: [
        { locale: 'fr', name: 'Résident·e vérifié·e' },
        { locale: 'en', name: 'Verified resident' },
      ],
      claims: ['resident_of', 'district', 'age_range'].map((name) => ({ path: [name], sd: 'always' })),
    });
  });

  router.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
    const parsed = tokenRequest.safeParse(req.body ?? {});
    if (!parsed.success)
      return oauthError(res, 400, 'invalid_request', 'unsupported or malformed token request');
    const result =
      parsed.data.grant_type === PRE_AUTHORIZED_GRANT
        ? await redeemPreAuthorizedCode(ctx, parsed.data['pre-authorized_code'])
        : await redeemRefreshToken(ctx, parsed.data.refresh_token);
    if (!result.ok) return oauthError(res, 400, 'invalid_grant', 'the code is unknown, used or expired');
    res.json(result.tokens);
  });

  router.post('/nonce', (_req, res) => {
    res.json({ c_nonce: createCNonce(ctx) });
  });

  router.post('/credential', express.json({ limit: '128kb' }), async (req, res) => {
    const token = bearer(req);
    const person = token ? await personForAccessToken(ctx, token) : undefined;
    if (!person) return oauthError(res, 401, 'invalid_token', 'missing, unknown or expired access token');
    const parsed = credentialRequest.safeParse(req.body ?? {});
    if (!parsed.success)
      return oauthError(res, 400, 'invalid_credential_request', 'malformed credential request');
    if (parsed.data.proofs.jwt.length > ctx.config.batchSize) {
      return oauthError(res, 400, 'invalid_credential_request', `at most ${ctx.config.batchSize} proofs`);
    }
    const keys: JWK[] = [];
    for (const proof of parsed.data.proofs.jwt) {
      const key = await holderKeyFromProof(ctx, proof);
      if (!key)
        return oauthError(res, 400, 'invalid_proof', 'a key proof is invalid, stale or has a bad nonce');
      keys.push(key);
    }
    const result = await issueBatch(ctx, person.id, keys);
    if (!result.ok) return oauthError(res, 400, 'credential_request_denied', result.reason);
    res.json({ credentials: result.credentials.map((credential) => ({ credential })) });
  });

  router.get('/status-lists/:id', async (req, res) => {
    if (req.params.id !== String(STATUS_LIST_ID)) return problem(res, 404, 'No such status list');
    const jwt = await signedStatusList(ctx, base, ctx.now());
    res.set('cache-control', `public, max-age=${STATUS_LIST_TTL_SECONDS}`);
    res.type('application/statuslist+jwt').send(jwt);
  });

  return router;
}
