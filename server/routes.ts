import type { Express, Router } from 'express';
import type passport from 'passport';
import { federationRouter } from '../federation/http.ts';
import { accountsRoutes } from './api/accounts.routes.ts';
import { districtsRoutes } from './api/districts.routes.ts';
import { instanceRoutes } from './api/instance.routes.ts';
import { personasRoutes } from './api/personas.routes.ts';
import { ApiRegistry } from './api/registry.ts';
import { sessionRoutes } from './api/session.routes.ts';
import type { AppContext } from './context.ts';

/**
 * The one place where routers are mounted. Each feature adds one line here, pointing at its
 * own router file, so app.ts stays a short description of the request pipeline.
 */
export function mountBeforeBodyParsers(app: Express, ctx: AppContext): void {
  app.use(federationRouter(ctx));
}

/** `/api/v1`: each resource adds one `api.add(…Routes(ctx))` line; see server/api/registry.ts. */
export function mountApi(router: Router, ctx: AppContext, passport: passport.PassportStatic): void {
  const api = new ApiRegistry(router, { title: 'Parvis API', version: '1' });
  api.add(accountsRoutes(ctx));
  api.add(sessionRoutes(ctx, passport));
  api.add(personasRoutes(ctx));
  api.add(districtsRoutes(ctx));
  api.add(instanceRoutes(ctx));
}

export function mountWeb(_web: Router, _ctx: AppContext, _passport: passport.PassportStatic): void {}
