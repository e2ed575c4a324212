import type { Express, Router } from 'express';
import type passport from 'passport';
import { federationRouter } from '../federation/http.ts';
import { languageCookie } from '../web/context.ts';
import { webFallbacks } from '../web/errors.ts';
import { aboutPages } from '../web/routes/about.routes.ts';
import { accountPages } from '../web/routes/account.routes.ts';
import { adminPages } from '../web/routes/admin.routes.ts';
import { authPages } from '../web/routes/auth.routes.ts';
import { badgePages } from '../web/routes/badges.routes.ts';
import { feedPages } from '../web/routes/feed.routes.ts';
import { followingPages } from '../web/routes/following.routes.ts';
import { homePages } from '../web/routes/home.routes.ts';
import { personaPages } from '../web/routes/personas.routes.ts';
import { postPages } from '../web/routes/posts.routes.ts';
import { profilePages } from '../web/routes/profile.routes.ts';
import { staticFiles } from '../web/routes/static.routes.ts';
import { accountsRoutes } from './api/accounts.routes.ts';
import { badgeResponseRouter, badgesRoutes } from './api/badges.routes.ts';
import { districtsRoutes } from './api/districts.routes.ts';
import { federationAdminRoutes } from './api/federation-admin.routes.ts';
import { followsRoutes } from './api/follows.routes.ts';
import { instanceRoutes } from './api/instance.routes.ts';
import { personasRoutes } from './api/personas.routes.ts';
import { postsRoutes } from './api/posts.routes.ts';
import { ApiRegistry } from './api/registry.ts';
import { sessionRoutes } from './api/session.routes.ts';
import type { AppContext } from './context.ts';

/**
 * The one place where routers are mounted. Each feature adds one line here, pointing at its
 * own router file, so app.ts stays a short description of the request pipeline.
 */
export function mountBeforeBodyParsers(app: Express, ctx: AppContext): void {
  app.use(federationRouter(ctx));
  app.use(badgeResponseRouter(ctx));
}

/** `/api/v1`: each resource adds one `api.add(…Routes(ctx))` line; see server/api/registry.ts. */
export function mountApi(router: Router, ctx: AppContext, passport: passport.PassportStatic): void {
  // Outside production, answers that stray from their declaration are logged (tests see them).
  const checkResponses = ctx.config.env !== 'production';
  const api = new ApiRegistry(router, { title: 'Parvis API', version: '1' }, { checkResponses });
  api.add(accountsRoutes(ctx));
  api.add(sessionRoutes(ctx, passport));
  api.add(personasRoutes(ctx));
  api.add(districtsRoutes(ctx));
  api.add(instanceRoutes(ctx));
  api.add(followsRoutes(ctx));
  api.add(federationAdminRoutes(ctx));
  api.add(postsRoutes(ctx));
  api.add(badgesRoutes(ctx));
}

/** Server-rendered pages (web/): one line per router; the fallbacks (404, 500 pages) stay last. */
export function mountWeb(web: Router, ctx: AppContext, passport: passport.PassportStatic): void {
  web.use(languageCookie(ctx));
  web.use(staticFiles());
  web.use(homePages(ctx));
  web.use(authPages(ctx, passport));
  web.use(accountPages(ctx));
  web.use(personaPages(ctx));
  web.use(badgePages(ctx));
  web.use(profilePages(ctx));
  web.use(postPages(ctx));
  web.use(feedPages(ctx));
  web.use(followingPages(ctx));
  web.use(adminPages(ctx));
  web.use(aboutPages(ctx));
  // Keep last: routers mounted after the 404 page would never be reached.
  web.use(webFallbacks(ctx));
}
