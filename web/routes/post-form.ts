import type { Request } from 'express';
import { z } from 'zod';
import { listInstitutions } from '../../models/institutions.ops.ts';
import { MAX_POST_LENGTH } from '../../models/post-text.ts';
import { resolveAuthor } from '../../models/posts.ops.ts';
import type { Author } from '../../models/posts.queries.ts';
import { POST_VISIBILITIES, type PostVisibility } from '../../models/schema/index.ts';
import { Handle } from '../../models/validation.ts';
import type { AppContext } from '../../server/context.ts';
import type { PageContext } from '../context.ts';
import { enteredValues, type FormErrors, type FormValues } from '../forms.ts';

const PostForm = z.object({
  content: z.string().trim().min(1).max(MAX_POST_LENGTH),
  visibility: z.enum(POST_VISIBILITIES).default('public'),
  // The select's first option (the active persona) sends an empty value.
  as: z.union([z.literal(''), Handle]).optional(),
});

export type PostFormResult =
  | { ok: true; content: string; visibility: PostVisibility; as: string | undefined; values: FormValues }
  | { ok: false; errors: FormErrors; values: FormValues };

/** Reads a post form (new post, reply or edit); the errors are translated, one per field. */
export function readPostForm(pc: PageContext, body: unknown): PostFormResult {
  const values = enteredValues(body, ['content', 'visibility', 'as']);
  const parsed = PostForm.safeParse(body ?? {});
  if (parsed.success) {
    const { content, visibility, as } = parsed.data;
    return { ok: true, content, visibility, as: as || undefined, values };
  }
  const errors: FormErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '');
    if (errors[field]) continue;
    if (field === 'content')
      errors.content =
        (values.content ?? '').trim() === ''
          ? pc.t('field.content.empty')
          : pc.t('field.content.tooLong', { max: MAX_POST_LENGTH });
    else if (field === 'visibility') errors.visibility = pc.t('field.visibility.invalid');
    else if (field === 'as') errors.as = pc.t('field.as.forbidden');
    else errors._form = pc.t('form.invalidField');
  }
  return { ok: false, errors, values };
}

/** The error a refused publication shows on the form. */
export function publishError(
  pc: PageContext,
  reason: 'empty' | 'too-long' | 'parent-not-found' | 'not-found',
): FormErrors {
  switch (reason) {
    case 'empty':
      return { content: pc.t('field.content.empty') };
    case 'too-long':
      return { content: pc.t('field.content.tooLong', { max: MAX_POST_LENGTH }) };
    default:
      return { _form: pc.t('error.404.text') };
  }
}

/** The reader of a page: the signed-in account's active persona, nobody otherwise. */
export async function viewerOf(ctx: AppContext, req: Request): Promise<Author | undefined> {
  if (!req.user) return undefined;
  const r = await resolveAuthor(ctx.db, req.user.id);
  return r.ok ? r.author : undefined;
}

/** Institutions an account may speak for in the composer (admins, for now; as `resolveAuthor` decides). */
export async function speakableInstitutions(
  ctx: AppContext,
  pc: PageContext,
): Promise<{ handle: string; name: string }[]> {
  if (pc.account?.role !== 'admin') return [];
  return (await listInstitutions(ctx.db)).map((i) => ({ handle: i.handle, name: i.name }));
}
