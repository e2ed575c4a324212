import express, { type NextFunction, type Request, type Response } from 'express';
import type { ServiceContext } from './context.ts';
import { EidClient } from './eid.client.ts';
import { enrolmentRouter } from './enrolment.routes.ts';
import { problem, securityHeaders } from './http.ts';
import { issuerRouter } from './issuer.routes.ts';
import { meRouter } from './me.routes.ts';
import { operatorRouter } from './operator.routes.ts';
import { walletRouter } from './wallet.routes.ts';

/**
 * The identity service's HTTP app. No access log: the service must not learn (or keep)
 * where its credentials are used, and enrolment data must not leak into logs.
 */
export function createIdentityApp(ctx: ServiceContext) {
  const app = express();
  app.disable('x-powered-by');
  // Off unless IDENTITY_TRUST_PROXY: otherwise anyone could pick their address in X-Forwarded-For.
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(securityHeaders);
  app.use(express.json({ limit: '64kb' }));
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  const eid = ctx.config.eid ? new EidClient(ctx) : undefined;
  app.use(issuerRouter(ctx));
  app.use(meRouter(ctx));
  app.use(operatorRouter(ctx));
  app.use(enrolmentRouter(ctx, eid));
  app.use(walletRouter(ctx));
  app.get('/', (_req, res) => res.redirect(303, '/wallet'));
  app.use((_req: Request, res: Response) => problem(res, 404, 'Not found'));
  app.use(
    (
      error: Error & { status?: number; type?: string },
      _req: Request,
      res: Response,
      _next: NextFunction,
    ) => {
      if (error.type === 'entity.parse.failed' || error.type === 'entity.too.large') {
        return problem(res, error.status ?? 400, 'Invalid request body');
      }
      console.error('identity service error:', error.message);
      problem(res, 500, 'Internal error');
    },
  );
  return app;
}
