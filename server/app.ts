import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { csrfFailurePage } from '../web/errors.ts';
import { createPassport } from './auth.ts';
import type { AppContext } from './context.ts';
import { requireCsrfToken } from './csrf.ts';
import { healthRouter } from './health.routes.ts';
import { logger } from './logging.ts';
import { apiErrorHandler, sendProblem } from './problem.ts';
import { mountApi, mountBeforeBodyParsers, mountWeb } from './routes.ts';
import { DatabaseSessionStore } from './session-store.ts';

const log = logger('http');

/** Builds the express app for one instance. Everything it needs comes in through `ctx`. */
export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(securityHeaders);

  app.use(healthRouter(ctx));
  // ActivityPub (Fedify) reads raw bodies itself: it must come before any body parser.
  mountBeforeBodyParsers(app, ctx);

  const secure = ctx.config.publicUrl.protocol === 'https:';
  const passport = createPassport(ctx.db);
  app.use(
    session({
      name: 'parvis.sid',
      secret: ctx.config.secretKey,
      store: new DatabaseSessionStore(ctx.db),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: 14 * 24 * 3600 * 1000 },
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());

  // JSON API: JSON bodies only. Requiring a JSON content type on writes also stops cross-site
  // form posts, which cannot send one without a CORS preflight we never grant.
  const api = express.Router();
  api.use((req, res, next) => {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && req.headers['content-length'] !== '0') {
      const hasBody =
        req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
      if (hasBody && !req.is(['application/json', 'application/*+json'])) {
        return sendProblem(res, 415, 'Unsupported media type', { detail: 'Send JSON (application/json).' });
      }
    }
    next();
  });
  // Posts and feeds carry what residents wrote: search engines must not index them, in JSON
  // as in HTML (persona profiles set their own header, honouring the opt-in).
  api.use(['/posts', '/feed'], (_req, res, next) => {
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    next();
  });
  api.use(express.json({ limit: '100kb', type: ['application/json', 'application/*+json'] }));
  mountApi(api, ctx, passport);
  api.use((_req, res) => sendProblem(res, 404, 'Not found'));
  api.use(apiErrorHandler((message, error) => log.error(`${message}: {error}`, { error })));
  app.use('/api/v1', api);

  // Browser forms: url-encoded bodies, CSRF token required on every unsafe request.
  const web = express.Router();
  web.use(express.urlencoded({ extended: false, limit: '100kb' }));
  web.use(requireCsrfToken(csrfFailurePage(ctx)));
  mountWeb(web, ctx, passport);
  app.use(web);

  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { status?: number; type?: string };
    if (e.type === 'entity.too.large') return void res.status(413).send('Payload too large');
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
      return void res.sendStatus(e.status);
    log.error('Unhandled error: {error}', { error: err });
    res.status(500).type('text/plain; charset=utf-8').send('Internal server error');
  });
  return app;
}

function securityHeaders(_req: Request, res: Response, next: NextFunction) {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  next();
}
