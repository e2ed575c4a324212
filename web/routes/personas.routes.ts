import { Router } from 'express';
import { z } from 'zod';
import { listActiveBadges } from '../../models/badges.ops.ts';
import {
  createPersona,
  deletePersona,
  findOwnedPersona,
  switchActivePersona,
  updatePersona,
} from '../../models/personas.ops.ts';
import type { Persona } from '../../models/schema/index.ts';
import { listDistricts } from '../../models/territory.ops.ts';
import { Bio, DisplayName, Handle } from '../../models/validation.ts';
import type { AppContext } from '../../server/context.ts';
import { type PageContext, pageContext, safeNext } from '../context.ts';
import { sendError } from '../errors.ts';
import { enteredValues, type FormErrors, zodErrors } from '../forms.ts';
import { requireSignedIn } from '../guards.ts';
import type { MessageKey } from '../i18n/index.ts';
import { sendPage } from '../layout.ts';
import { successNotice } from '../notice.ts';
import { type BadgeSettings, badgeNotice } from '../views/badges.view.ts';
import { deletePersonaPage, editPersonaPage, personasPage } from '../views/personas.view.ts';

const District = z
  .string()
  .trim()
  .optional()
  .transform((v) => v || null);
const ProfileForm = z.object({ displayName: DisplayName, bio: Bio, district: District });
const CreateForm = ProfileForm.extend({ handle: Handle });
const EditForm = ProfileForm.extend({ indexable: z.literal('on').optional() });
const FIELD_MESSAGES = {
  handle: 'field.handle.invalid',
  displayName: 'field.displayName.invalid',
  bio: 'field.bio.invalid',
  district: 'field.district.unknown',
} as const;

/** What the list says after a change (`?done=…`), so the result is announced. */
const NOTICES = new Map<unknown, MessageKey>([
  ['created', 'personas.created'],
  ['updated', 'personas.updated'],
  ['deleted', 'personas.deleted'],
  ['switched', 'personas.switched'],
]);

function personaValues(p: Persona, districtSlug: string) {
  return {
    displayName: p.displayName,
    bio: p.bio,
    district: districtSlug,
    indexable: p.indexable ? 'on' : '',
  };
}

/** The account's own pseudonyms: list, create, edit, delete (after confirmation), switch. */
export function personaPages(ctx: AppContext): Router {
  const router = Router();
  router.use(['/settings/personas', '/settings/active-persona'], requireSignedIn);

  router.get('/settings/personas', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const done = NOTICES.get(req.query.done);
    const notice = done ? successNotice(pc.t(done)) : undefined;
    const badges = await badgeSettings(pc, req.query.badge);
    const page = personasPage(pc, await listDistricts(ctx.db), {}, {}, 200, notice, badges);
    const formTargets = ctx.config.identityIssuers.map((url) => url.origin);
    sendPage(res, pc, { ...page, formTargets });
  });

  // Badges are offered only when an identity service is pinned (IDENTITY_ISSUERS).
  async function badgeSettings(pc: PageContext, code: unknown): Promise<BadgeSettings | undefined> {
    if (ctx.config.identityIssuers.length === 0) return undefined;
    const byPersona = new Map(
      await Promise.all(
        pc.personas.map(
          async (p) => [p.id, await listActiveBadges(ctx.db, p.id, { lang: pc.lang })] as const,
        ),
      ),
    );
    return { byPersona, notice: badgeNotice(pc, code) };
  }

  router.post('/settings/personas', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const districts = await listDistricts(ctx.db);
    const values = enteredValues(req.body, ['handle', 'displayName', 'bio', 'district']);
    const parsed = CreateForm.safeParse(req.body);
    if (!parsed.success) {
      return sendPage(
        res,
        pc,
        personasPage(pc, districts, values, zodErrors(pc, parsed.error, FIELD_MESSAGES), 400),
      );
    }
    const { district, ...rest } = parsed.data;
    const result = await createPersona(ctx, req.user!.id, { ...rest, districtSlug: district });
    if (!result.ok) {
      const errors: FormErrors = {
        'handle-taken': { handle: pc.t('field.handle.taken') },
        'unknown-district': { district: pc.t('field.district.unknown') },
        'too-many-personas': { _form: pc.t('personas.tooMany') },
      }[result.reason];
      return sendPage(res, pc, personasPage(pc, districts, values, errors, 400));
    }
    res.redirect(303, '/settings/personas?done=created');
  });

  router.post('/settings/active-persona', async (req, res) => {
    const handle = typeof req.body?.handle === 'string' ? req.body.handle : '';
    const result = await switchActivePersona(ctx.db, req.user!.id, handle);
    if (!result.ok) return sendError(res, await pageContext(ctx, req), 'notFound');
    res.redirect(303, safeNext(req.body?.next, '/settings/personas?done=switched'));
  });

  router.get('/settings/personas/:handle/edit', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const persona = await findOwnedPersona(ctx.db, req.user!.id, req.params.handle);
    if (!persona) return sendError(res, pc, 'notFound');
    const districts = await listDistricts(ctx.db);
    const slug = districts.find((d) => d.id === persona.districtId)?.slug ?? '';
    sendPage(res, pc, editPersonaPage(pc, persona, districts, personaValues(persona, slug)));
  });

  router.post('/settings/personas/:handle/edit', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const persona = await findOwnedPersona(ctx.db, req.user!.id, req.params.handle);
    if (!persona) return sendError(res, pc, 'notFound');
    const districts = await listDistricts(ctx.db);
    const values = enteredValues(req.body, ['displayName', 'bio', 'district', 'indexable']);
    const parsed = EditForm.safeParse(req.body);
    if (!parsed.success) {
      const errors = zodErrors(pc, parsed.error, FIELD_MESSAGES);
      return sendPage(res, pc, editPersonaPage(pc, persona, districts, values, errors, 400));
    }
    const { district, indexable, ...rest } = parsed.data;
    const result = await updatePersona(ctx, req.user!.id, persona.handle, {
      ...rest,
      districtSlug: district,
      indexable: indexable === 'on',
    });
    if (!result.ok) {
      if (result.reason === 'not-found') return sendError(res, pc, 'notFound');
      const errors = { district: pc.t('field.district.unknown') };
      return sendPage(res, pc, editPersonaPage(pc, persona, districts, values, errors, 400));
    }
    res.redirect(303, '/settings/personas?done=updated');
  });

  router.get('/settings/personas/:handle/delete', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const persona = await findOwnedPersona(ctx.db, req.user!.id, req.params.handle);
    if (!persona) return sendError(res, pc, 'notFound');
    sendPage(res, pc, deletePersonaPage(pc, persona));
  });

  router.post('/settings/personas/:handle/delete', async (req, res) => {
    const pc = await pageContext(ctx, req);
    const persona = await findOwnedPersona(ctx.db, req.user!.id, req.params.handle);
    if (!persona) return sendError(res, pc, 'notFound');
    // The confirmation page sends confirm=yes; a bare POST only shows that page again.
    if (req.body?.confirm !== 'yes') return sendPage(res, pc, deletePersonaPage(pc, persona));
    const result = await deletePersona(ctx, req.user!.id, persona.handle);
    if (!result.ok) {
      if (result.reason === 'not-found') return sendError(res, pc, 'notFound');
      return sendPage(res, pc, deletePersonaPage(pc, persona, pc.t('personas.lastPersona'), 400));
    }
    res.redirect(303, '/settings/personas?done=deleted');
  });

  return router;
}
