import { and, eq, gt } from 'drizzle-orm';
import type { NextFunction, Request, Response } from 'express';
import { operatorSessions, operators } from '../schema.ts';
import type { ServiceContext } from './context.ts';
import { cookies, problem, wantsHtml } from './http.ts';
import { randomToken, sha256 } from './secrets.ts';

export const OPERATOR_COOKIE = 'identity_operator';
const SESSION_HOURS = 8;

export async function startOperatorSession(ctx: ServiceContext, res: Response, operatorId: string) {
  const token = randomToken();
  await ctx.db.insert(operatorSessions).values({
    hash: sha256(token),
    operatorId,
    expiresAt: new Date(ctx.now().getTime() + SESSION_HOURS * 3_600_000),
  });
  res.cookie(OPERATOR_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.config.publicUrl.startsWith('https:'),
    maxAge: SESSION_HOURS * 3_600_000,
  });
}

/** Ends the operator's session for good (a shared desk computer), not just the cookie. */
export async function endOperatorSession(ctx: ServiceContext, req: Request, res: Response) {
  const token = cookies(req)[OPERATOR_COOKIE];
  if (token) await ctx.db.delete(operatorSessions).where(eq(operatorSessions.hash, sha256(token)));
  res.clearCookie(OPERATOR_COOKIE);
}

export type OperatorLocals = { operator: { id: string; email: string } };

/** Middleware: only signed-in desk operators. */
export function requireOperator(ctx: ServiceContext) {
  return async (req: Request, res: Response<unknown, OperatorLocals>, next: NextFunction) => {
    const token = cookies(req)[OPERATOR_COOKIE];
    if (token) {
      const [row] = await ctx.db
        .select({ id: operators.id, email: operators.email })
        .from(operatorSessions)
        .innerJoin(operators, eq(operatorSessions.operatorId, operators.id))
        .where(and(eq(operatorSessions.hash, sha256(token)), gt(operatorSessions.expiresAt, ctx.now())));
      if (row) {
        res.locals.operator = row;
        return next();
      }
    }
    if (wantsHtml(req)) return res.redirect(303, '/operator/login');
    problem(res, 401, 'Operator sign-in required');
  };
}

/**
 * Middleware: refuses a state-changing request that a browser sent from another origin. The
 * session cookie is SameSite=Strict, but a page on a sibling host of the same site (the
 * platform, say) would still carry it; browsers name the sender in `Origin` and
 * `Sec-Fetch-Site`. A client that sends neither is no browser, and cannot be forged into one.
 */
export function refuseCrossOrigin(ctx: ServiceContext) {
  const own = new URL(ctx.config.publicUrl).origin;
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if (
      (origin !== undefined && origin !== own) ||
      (site !== undefined && site !== 'same-origin' && site !== 'none')
    ) {
      return problem(
        res,
        403,
        'Cross-origin request refused',
        'operator forms are sent from this service only',
      );
    }
    next();
  };
}
