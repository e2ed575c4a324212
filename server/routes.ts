import type { Express, Router } from 'express';
import type passport from 'passport';
import { ApiRegistry } from './api/registry.ts';
import type { AppContext } from './context.ts';

/**
 * The one place where routers are mounted. Each feature adds one line here, pointing at its
 * own router file, so app.ts stays a short description of the request pipeline.
 */
export function mountBeforeBodyParsers(_app: Express, _ctx: AppContext): void {}

/** `/api/v1`: each resource adds one `api.add(…Routes(ctx))` line; see server/api/registry.ts. */
export function mountApi(router: Router, _ctx: AppContext, _passport: passport.PassportStatic): void {
  const api = new ApiRegistry(router, { title: 'Parvis API', version: '1' });
  void api;
}

export function mountWeb(_web: Router, _ctx: AppContext, _passport: passport.PassportStatic): void {}
