import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../server/context.ts';
import { renderError } from './errors.ts';

/** Pages for signed-in people: others go to the login form, and come back afterwards. */
export function requireSignedIn(req: Request, res: Response, next: NextFunction): void {
  if (req.user) {
    next();
  } else if (req.method === 'GET' || req.method === 'HEAD') {
    res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  } else {
    res.redirect(303, '/login');
  }
}

/** Admin pages: the login form without a session, a 403 page for everybody but admins. */
export function requireAdmin(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.user) return requireSignedIn(req, res, next);
    if (req.user.role !== 'admin') return void renderError(ctx, req, res, 'forbidden');
    next();
  };
}
