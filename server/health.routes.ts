import { sql } from 'drizzle-orm';
import { Router } from 'express';
import type { AppContext } from './context.ts';

/** /healthz: the process answers. /readyz: the database answers and every migration is applied. */
export function healthRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await ctx.db.execute(sql`SELECT 1`);
      if (!(await ctx.database.migrationsApplied())) {
        res.status(503).json({ status: 'unavailable', reason: 'migrations pending' });
        return;
      }
      res.json({ status: 'ok', database: ctx.database.kind });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  return router;
}
