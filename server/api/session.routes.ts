import type passport from 'passport';
import { z } from 'zod';
import { listOwnPersonaViews } from '../../models/personas.ops.ts';
import type { Account } from '../../models/schema/index.ts';
import { Email } from '../../models/validation.ts';
import { passportLogin, passportLogout } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { logger } from '../logging.ts';
import { sendProblem } from '../problem.ts';
import { forgiveLogin, hitLoginLimits } from './login-limits.ts';
import { type ApiRoute, assertNever, defineRoute } from './registry.ts';
import { SessionSchema } from './schemas.ts';

// Log lines say what happened, never to whom: no e-mail, no address, no account or persona.
const log = logger('api', 'session');

async function sessionView(
  ctx: AppContext,
  account: Account | undefined,
): Promise<z.output<typeof SessionSchema>> {
  if (!account) return { authenticated: false };
  const { activePersona } = await listOwnPersonaViews(ctx.db, account.id);
  return { authenticated: true, role: account.role, activePersona };
}

// Login takes any non-empty password: the length rules apply when a password is chosen, and
// telling "too short" apart here would only help guessing.
const LoginBody = z.object({ email: Email, password: z.string().min(1).max(200) });

/** `/session`: who is logged in, logging in (passport local strategy) and out. */
export function sessionRoutes(ctx: AppContext, passportInstance: passport.PassportStatic): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/session',
      summary: 'The current session: whether logged in, the role and the active persona',
      tags: ['session'],
      auth: 'public',
      responses: { 200: { description: 'The session', schema: SessionSchema } },
      handler: async ({ account, res }) => {
        res.setHeader('Cache-Control', 'private, no-store');
        res.json(await sessionView(ctx, account));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/session',
      summary: 'Log in with e-mail and password',
      description:
        'A wrong e-mail and a wrong password get the same answer. Attempts are limited per client address and per e-mail.',
      tags: ['session'],
      auth: 'public',
      body: LoginBody,
      responses: {
        200: { description: 'Logged in; the session cookie is set', schema: SessionSchema },
        401: 'Wrong e-mail or password',
        403: 'The account is suspended',
        429: { description: 'Too many attempts', headers: { 'Retry-After': 'Seconds to wait' } },
      },
      handler: async ({ body, req, res }) => {
        const limit = await hitLoginLimits(ctx, req, body.email);
        if (!limit.ok) {
          log.info('Login attempt refused by the rate limit');
          res.setHeader('Retry-After', String(limit.retryAfterSeconds));
          return sendProblem(res, 429, 'Too many login attempts', {
            detail: `Try again in ${limit.retryAfterSeconds} seconds.`,
          });
        }
        // passport's local strategy reads the normalised e-mail from the body.
        req.body = body;
        const result = await passportLogin(passportInstance, req, res);
        if (!result.ok) {
          const reason = result.reason;
          log.info('Login refused: {reason}', { reason });
          switch (reason) {
            case 'invalid':
              return sendProblem(res, 401, 'Wrong e-mail or password');
            case 'suspended':
              return sendProblem(res, 403, 'This account is suspended');
            default:
              return assertNever(reason);
          }
        }
        await forgiveLogin(ctx, req, body.email);
        res.setHeader('Cache-Control', 'private, no-store');
        res.json(await sessionView(ctx, result.account));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/session',
      summary: 'Log out: the session is destroyed on the server',
      tags: ['session'],
      auth: 'session',
      responses: { 204: 'Logged out' },
      handler: async ({ req, res }) => {
        await passportLogout(req);
        res.clearCookie('parvis.sid');
        res.status(204).end();
      },
    }),
  ];
}
