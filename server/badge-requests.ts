import { DcqlQuery } from 'dcql';
import { createVerifier, type Verifier } from '../identity/verifier/verifier.ts';
import { createBadgeRequest } from '../models/badges.ops.ts';
import type { AppContext } from './context.ts';

/**
 * What the JSON API and the web pages share to ask a wallet for a badge: the pinned issuers,
 * the verifier (one per instance, so its key and status caches live as long as the instance)
 * and the OpenID4VP request.
 */
export const BADGE_RESPONSE_PATH = '/openid4vp/response';
/** Where the owner's browser confirms a badge with the answer's response code (the web pages). */
export const BADGE_CONFIRM_PATH = '/settings/badges/confirm';
export const CREDENTIAL_QUERY_ID = 'residence';

const verifiers = new WeakMap<AppContext, Verifier>();
export function verifierFor(ctx: AppContext): Verifier {
  let verifier = verifiers.get(ctx);
  if (!verifier) {
    verifier = createVerifier({
      issuers: issuerUrls(ctx).map((url) => ({ url })),
      audience: ctx.config.publicUrl.origin,
    });
    verifiers.set(ctx, verifier);
  }
  return verifier;
}

export const issuerUrls = (ctx: AppContext) =>
  ctx.config.identityIssuers.map((url) => url.href.replace(/\/$/, ''));

/**
 * The OpenID4VP authorization request for a pending badge request. Rebuilt identically when
 * the answer arrives, so that `@openid4vc/openid4vp` can check the answer against it.
 */
export function presentationRequest(
  ctx: AppContext,
  pending: { nonce: string; state: string; claims: string[] },
) {
  const origin = ctx.config.publicUrl.origin;
  const dcqlQuery = DcqlQuery.parse({
    credentials: [
      {
        id: CREDENTIAL_QUERY_ID,
        format: 'dc+sd-jwt',
        meta: { vct_values: issuerUrls(ctx).map((issuer) => `${issuer}/credentials/residence`) },
        claims: pending.claims.map((claim) => ({ path: [claim] })),
      },
    ],
  });
  DcqlQuery.validate(dcqlQuery);
  return {
    response_type: 'vp_token' as const,
    response_mode: 'direct_post' as const,
    client_id: origin,
    response_uri: `${origin}${BADGE_RESPONSE_PATH}`,
    nonce: pending.nonce,
    state: pending.state,
    dcql_query: dcqlQuery,
  };
}

export type StartBadgeRequestResult =
  | {
      ok: true;
      request: ReturnType<typeof presentationRequest>;
      walletUrl: string;
      expiresAt: Date;
    }
  | { ok: false; reason: 'unknown-issuer' };

/** Opens a request for one of the account's personas and builds the wallet address to go to. */
export async function startBadgeRequest(
  ctx: AppContext,
  personaId: string,
  claims: string[],
  issuer?: string,
): Promise<StartBadgeRequestResult> {
  const chosen = issuer?.replace(/\/$/, '') ?? issuerUrls(ctx)[0];
  if (!chosen || !issuerUrls(ctx).includes(chosen)) return { ok: false, reason: 'unknown-issuer' };
  const pending = await createBadgeRequest(ctx.db, personaId, claims);
  const request = presentationRequest(ctx, pending);
  const wallet = new URL(`${chosen}/wallet`);
  for (const [key, value] of Object.entries(request)) {
    wallet.searchParams.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return { ok: true, request, walletUrl: wallet.href, expiresAt: pending.expiresAt };
}
