import { createHmac } from 'node:crypto';
import type { Request } from 'express';
import { clearRateLimit, forgiveRateLimitHit, hitRateLimit } from '../../models/rate-limits.ops.ts';
import type { AppContext } from '../context.ts';

/** Login attempts are counted in 15-minute windows. */
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Many residents may share one address (a library, a carrier's NAT): the per-IP limit is wider. */
export const IP_LIMIT_FACTOR = 5;

/**
 * Rate-limit keys carry an HMAC of the e-mail and of the address under the instance secret, so
 * the table never stores either in clear and its keys cannot be matched against a list of e-mails.
 */
function key(ctx: AppContext, kind: 'email' | 'ip', value: string): string {
  const mac = createHmac('sha256', ctx.config.secretKey).update(`${kind}:${value}`).digest('base64url');
  return `login:${kind}:${mac}`;
}

export type LoginLimit = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Counts one login attempt against the client's address and against the e-mail tried. Both are
 * counted whether or not the e-mail exists, so the answer (429 or not) reveals nothing about it.
 */
export async function hitLoginLimits(ctx: AppContext, req: Request, email: string): Promise<LoginLimit> {
  const now = new Date();
  const limit = ctx.config.loginRateLimit;
  const byIp = await hitRateLimit(
    ctx.db,
    key(ctx, 'ip', req.ip ?? 'unknown'),
    limit * IP_LIMIT_FACTOR,
    LOGIN_WINDOW_MS,
    now,
  );
  const byEmail = await hitRateLimit(ctx.db, key(ctx, 'email', email), limit, LOGIN_WINDOW_MS, now);
  const blocked = [byIp, byEmail].filter((r) => !r.allowed);
  if (blocked.length === 0) return { ok: true };
  const resetAt = Math.max(...blocked.map((r) => r.resetAt.getTime()));
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now.getTime()) / 1000)) };
}

/**
 * Every attempt is counted before the password is checked (so parallel guesses cannot slip past
 * the limit); a successful one is then taken back, so the limits count failed attempts only.
 */
export async function forgiveLogin(ctx: AppContext, req: Request, email: string): Promise<void> {
  await clearRateLimit(ctx.db, key(ctx, 'email', email));
  await forgiveRateLimitHit(ctx.db, key(ctx, 'ip', req.ip ?? 'unknown'));
}
