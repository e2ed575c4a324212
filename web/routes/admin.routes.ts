import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import {
  createDistrict,
  deleteDistrict,
  getInstanceSettings,
  listDistricts,
  updateDistrict,
  updateInstanceSettings,
} from '../../models/territory.ops.ts';
import { Slug } from '../../models/validation.ts';
import type { AppContext } from '../../server/context.ts';
import { pageContext } from '../context.ts';
import { sendError } from '../errors.ts';
import { enteredValues, type FormErrors, zodErrors } from '../forms.ts';
import { requireAdmin } from '../guards.ts';
import { sendPage } from '../layout.ts';
import { successNotice } from '../notice.ts';
import { type TerritoryForm, territoryPage } from '../views/territory.view.ts';
import { adminInstancePages } from './admin-instances.routes.ts';

const Name = z.string().trim().min(1).max(100);
const Description = z.string().trim().max(2000).default('');
const InstanceForm = z.object({ name: Name, description: Description });
const DistrictForm = z.object({ name: Name, description: Description });
const NewDistrictForm = DistrictForm.extend({ slug: Slug });
const MESSAGES = {
  name: 'field.name.invalid',
  description: 'field.description.invalid',
  slug: 'field.slug.invalid',
} as const;

function prefixed(errors: FormErrors, prefix: string): FormErrors {
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [`${prefix}-${k}`, v]));
}

/**
 * The administration: the instance's name and description, its districts, and the servers it
 * federates with (admin-instances.routes.ts), all behind one admin guard.
 */
export function adminPages(ctx: AppContext): Router {
  const router = Router();
  router.use('/admin', requireAdmin(ctx));
  router.use(adminInstancePages(ctx));

  async function show(req: Request, res: Response, form: TerritoryForm = {}, status = 200) {
    const pc = await pageContext(ctx, req);
    const instance = await getInstanceSettings(ctx.db, { name: ctx.config.instanceName });
    const notice = status === 200 && req.query.saved === '1' ? successNotice(pc.t('form.saved')) : undefined;
    sendPage(res, pc, territoryPage(pc, instance, await listDistricts(ctx.db), form, status, notice));
  }

  router.get('/admin/territory', (req, res) => show(req, res));

  router.post('/admin/territory/instance', async (req, res) => {
    const parsed = InstanceForm.safeParse(req.body);
    if (!parsed.success) {
      const pc = await pageContext(ctx, req);
      const values = { ...enteredValues(req.body, ['name', 'description']), form: 'instance' };
      return show(
        req,
        res,
        { values, errors: prefixed(zodErrors(pc, parsed.error, MESSAGES), 'instance') },
        400,
      );
    }
    await updateInstanceSettings(ctx.db, parsed.data);
    res.redirect(303, '/admin/territory?saved=1');
  });

  router.post('/admin/territory/districts', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const values = { ...enteredValues(req.body, ['slug', 'name', 'description']), form: 'create' };
    const parsed = NewDistrictForm.safeParse(req.body);
    if (!parsed.success)
      return show(req, res, { values, errors: zodErrors(pc, parsed.error, MESSAGES) }, 400);
    const result = await createDistrict(ctx.db, parsed.data);
    if (!result.ok) return show(req, res, { values, errors: { slug: pc.t('field.slug.taken') } }, 400);
    res.redirect(303, '/admin/territory?saved=1');
  });

  router.post('/admin/territory/districts/:slug', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const slug = req.params.slug;
    const parsed = DistrictForm.safeParse(req.body);
    if (!parsed.success) {
      const values = { ...enteredValues(req.body, ['name', 'description']), slug };
      return show(req, res, { values, errors: prefixed(zodErrors(pc, parsed.error, MESSAGES), slug) }, 400);
    }
    const result = await updateDistrict(ctx.db, slug, parsed.data);
    if (!result.ok) return sendError(res, pc, 'notFound');
    res.redirect(303, '/admin/territory?saved=1');
  });

  router.post('/admin/territory/districts/:slug/delete', async (req, res) => {
    const result = await deleteDistrict(ctx.db, req.params.slug);
    if (!result.ok) return sendError(res, await pageContext(ctx, req), 'notFound');
    res.redirect(303, '/admin/territory?saved=1');
  });

  return router;
}
