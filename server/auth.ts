import type { NextFunction, Request, RequestHandler, Response } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { authenticate, findAccount } from '../models/accounts.ops.ts';
import type { Db } from '../models/db.ts';
import type { Account, Role } from '../models/schema/index.ts';
import { sendProblem } from './problem.ts';

declare global {
  namespace Express {
    interface User extends Account {}
  }
}

/** A passport instance of our own (not the module singleton), so several apps can live in one process. */
export function createPassport(db: Db): passport.PassportStatic {
  const p = new passport.Passport() as passport.PassportStatic;
  p.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password' }, (email, password, done) => {
      authenticate(db, email, password).then(
        (result) => {
          if (result.ok) return done(null, result.account);
          return done(null, false, { message: result.reason });
        },
        (err) => done(err),
      );
    }),
  );
  p.serializeUser((user, done) => done(null, (user as Account).id));
  p.deserializeUser((id: string, done) => {
    findAccount(db, id).then(
      (account) => done(null, account && !account.suspendedAt ? account : false),
      (err) => done(err),
    );
  });
  return p;
}

/** Logs a request in with passport's local strategy; resolves to the account or the reason it failed. */
export function passportLogin(
  p: passport.PassportStatic,
  req: Request,
  res: Response,
): Promise<{ ok: true; account: Account } | { ok: false; reason: 'invalid' | 'suspended' }> {
  return new Promise((resolve, reject) => {
    p.authenticate('local', (err: unknown, user: Account | false, info?: { message?: string }) => {
      if (err) return reject(err);
      // Missing credentials and a wrong password alike are 'invalid'.
      if (!user)
        return resolve({ ok: false, reason: info?.message === 'suspended' ? 'suspended' : 'invalid' });
      // Regenerate the session on login so a planted session id cannot be reused (fixation).
      req.session.regenerate((regenErr) => {
        if (regenErr) return reject(regenErr);
        req.logIn(user, (loginErr) => (loginErr ? reject(loginErr) : resolve({ ok: true, account: user })));
      });
    })(req, res, () => {});
  });
}

/** Opens a session for an account that has just proved who it is (sign-up), regenerating the session id. */
export function establishSession(req: Request, account: Account): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((regenErr) => {
      if (regenErr) return reject(regenErr);
      req.logIn(account, (loginErr) => (loginErr ? reject(loginErr) : resolve()));
    });
  });
}

export function passportLogout(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.logout((err) => {
      if (err) return reject(err);
      req.session.destroy((destroyErr) => (destroyErr ? reject(destroyErr) : resolve()));
    });
  });
}

/** API guard: 401 problem without a session. */
export const requireSession: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
  if (!req.user) return sendProblem(res, 401, 'Authentication required');
  next();
};

/** API guard: 403 unless the account holds `role`; admins pass every role check. */
export function requireRole(role: Role): RequestHandler {
  return (req, res, next) => {
    if (!req.user) return sendProblem(res, 401, 'Authentication required');
    const r = req.user.role;
    if (r !== role && r !== 'admin') {
      return sendProblem(res, 403, 'Forbidden', { detail: `This needs the ${role} role.` });
    }
    next();
  };
}
