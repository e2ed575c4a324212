import { type Request, type Response, Router } from 'express';
import { reconcileDeliveryStates, retryDeliveriesNow } from '../../federation/delivery-state.ts';
import { listKnownInstances, normalizeDomain } from '../../models/instances.ops.ts';
import type { AppContext } from '../../server/context.ts';
import { pageContext } from '../context.ts';
import { sendError } from '../errors.ts';
import { sendPage } from '../layout.ts';
import { type InstancesFilter, instancesPage } from '../views/instances.view.ts';

/**
 * The servers this instance knows and whether our deliveries reach them, with "retry now" for
 * an unavailable one. Mounted behind the admin guard of `adminPages`.
 */
export function adminInstancePages(ctx: AppContext): Router {
  const router = Router();

  async function show(
    req: Request,
    res: Response,
    options: { status?: number; notice?: string; error?: string } = {},
  ) {
    const pc = await pageContext(ctx, req);
    const filter: InstancesFilter = req.query.delivery === 'unavailable' ? 'unavailable' : 'all';
    await reconcileDeliveryStates(ctx.database);
    const instances = (await listKnownInstances(ctx.db)).filter(
      (i) => filter === 'all' || i.deliveryState !== 'available',
    );
    let notice = options.notice;
    // Only a server of the list is named back (the query string is not echoed as such).
    const retried = instances.find((i) => i.domain === req.query.retried);
    if (!notice && retried) notice = pc.t('admin.instances.retried', { domain: retried.domain });
    sendPage(res, pc, instancesPage(pc, instances, { filter, ...options, notice }));
  }

  router.get('/admin/instances', (req, res) => show(req, res));

  router.post('/admin/instances/:domain/retry', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const domain = normalizeDomain(req.params.domain ?? '');
    if (!domain) return show(req, res, { status: 400, error: pc.t('admin.instances.badDomain') });
    const result = await retryDeliveriesNow(ctx, domain);
    if (result.ok) return res.redirect(303, `/admin/instances?retried=${encodeURIComponent(domain)}`);
    if (result.reason === 'unknown-instance') return sendError(res, pc, 'notFound');
    // 'not-held': the server is available, nothing waits for it.
    return show(req, res, { status: 409, error: pc.t('admin.instances.notHeld', { domain }) });
  });

  return router;
}
