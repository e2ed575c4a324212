import { createHmac } from 'node:crypto';
import { and, eq, gt, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { grants, letterRequests, loginStates, persons } from '../schema.ts';
import type { ServiceContext } from './context.ts';
import { constantTimeEqual, randomToken, sha256 } from './secrets.ts';

export const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const MINUTE = 60_000;
const CODE_MINUTES = 15;
const ACCESS_MINUTES = 10;
const REFRESH_DAYS = 90;
const NONCE_MINUTES = 5;

/** An OpenID4VCI credential offer carrying a fresh pre-authorised code (single use, 15 min). */
export async function createCredentialOffer(ctx: ServiceContext, personId: string) {
  const code = randomToken();
  await ctx.db.insert(grants).values({
    hash: sha256(code),
    kind: 'pre-authorized-code',
    personId,
    expiresAt: new Date(ctx.now().getTime() + CODE_MINUTES * MINUTE),
  });
  const offer = {
    credential_issuer: ctx.config.publicUrl,
    credential_configuration_ids: ['residence'],
    grants: { [PRE_AUTHORIZED_GRANT]: { 'pre-authorized_code': code } },
  };
  const uri = `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(offer))}`;
  return { offer, uri, walletUrl: `${ctx.config.publicUrl}/wallet#offer=${encodeURIComponent(uri)}` };
}

async function issueTokens(ctx: ServiceContext, personId: string, withRefresh: boolean) {
  const now = ctx.now().getTime();
  const accessToken = randomToken();
  const rows: (typeof grants.$inferInsert)[] = [
    {
      hash: sha256(accessToken),
      kind: 'access',
      personId,
      expiresAt: new Date(now + ACCESS_MINUTES * MINUTE),
    },
  ];
  const refreshToken = withRefresh ? randomToken() : undefined;
  if (refreshToken) {
    rows.push({
      hash: sha256(refreshToken),
      kind: 'refresh',
      personId,
      expiresAt: new Date(now + REFRESH_DAYS * 24 * 60 * MINUTE),
    });
  }
  await ctx.db.insert(grants).values(rows);
  return {
    access_token: accessToken,
    token_type: 'Bearer' as const,
    expires_in: ACCESS_MINUTES * 60,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  };
}

/** Spends a single-use grant (code or refresh token) atomically; returns its person. */
async function spendGrant(ctx: ServiceContext, secret: string, kind: 'pre-authorized-code' | 'refresh') {
  const now = ctx.now();
  const [row] = await ctx.db
    .update(grants)
    .set({ usedAt: now })
    .where(
      and(
        eq(grants.hash, sha256(secret)),
        eq(grants.kind, kind),
        isNull(grants.usedAt),
        gt(grants.expiresAt, now),
      ),
    )
    .returning({ personId: grants.personId });
  return row?.personId;
}

export async function redeemPreAuthorizedCode(ctx: ServiceContext, code: string) {
  const personId = await spendGrant(ctx, code, 'pre-authorized-code');
  if (!personId) return { ok: false as const, reason: 'invalid-grant' as const };
  return { ok: true as const, tokens: await issueTokens(ctx, personId, true) };
}

/** Refresh tokens rotate: each is single use and gives a new one. */
export async function redeemRefreshToken(ctx: ServiceContext, token: string) {
  const personId = await spendGrant(ctx, token, 'refresh');
  if (!personId) return { ok: false as const, reason: 'invalid-grant' as const };
  return { ok: true as const, tokens: await issueTokens(ctx, personId, true) };
}

/** The active person behind a bearer access token, if any. */
export async function personForAccessToken(ctx: ServiceContext, token: string) {
  const now = ctx.now();
  const [row] = await ctx.db
    .select({ person: persons })
    .from(grants)
    .innerJoin(persons, eq(grants.personId, persons.id))
    .where(and(eq(grants.hash, sha256(token)), eq(grants.kind, 'access'), gt(grants.expiresAt, now)));
  return row?.person;
}

/**
 * Housekeeping, run from time to time: expired grants and login states, and letter requests
 * once confirmed or expired (their de-duplication key and district are needed no longer).
 */
export async function purgeExpired(ctx: ServiceContext) {
  const now = sql`${ctx.now().toISOString()}::timestamptz`;
  await ctx.db.delete(grants).where(sql`${grants.expiresAt} < ${now}`);
  await ctx.db.delete(loginStates).where(sql`${loginStates.expiresAt} < ${now}`);
  await ctx.db
    .delete(letterRequests)
    .where(or(sql`${letterRequests.expiresAt} < ${now}`, isNotNull(letterRequests.confirmedAt)));
}

/** Stateless `c_nonce`: a timestamp and random part, MACed with the service secret. */
export function createCNonce(ctx: ServiceContext): string {
  const body = `${ctx.now().getTime()}.${randomToken(12)}`;
  const mac = createHmac('sha256', ctx.secret).update(`c_nonce:${body}`).digest('base64url');
  return `${body}.${mac}`;
}

export function checkCNonce(ctx: ServiceContext, nonce: string): boolean {
  const [time, random, mac] = nonce.split('.');
  if (!time || !random || !mac) return false;
  const expected = createHmac('sha256', ctx.secret).update(`c_nonce:${time}.${random}`).digest('base64url');
  if (!constantTimeEqual(mac, expected)) return false;
  const age = ctx.now().getTime() - Number(time);
  return age >= 0 && age <= NONCE_MINUTES * MINUTE;
}
