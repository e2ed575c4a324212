import { listActiveBadges } from '../../models/badges.ops.ts';
import { findPersonaByHandle } from '../../models/personas.ops.ts';
import type { PostView } from '../../models/posts.queries.ts';
import type { AppContext } from '../../server/context.ts';
import type { PageContext } from '../context.ts';
import { badgeText } from '../views/badges.view.ts';
import type { AuthorBadgeTexts } from '../views/posts.view.ts';

/**
 * The verified badges of the personas who wrote these posts: two small queries per distinct
 * author, only public badges (what the persona's own page shows), nothing for institutions or
 * remote voices.
 */
export async function authorBadges(
  ctx: AppContext,
  pc: PageContext,
  posts: readonly PostView[],
): Promise<AuthorBadgeTexts> {
  const handles = [...new Set(posts.filter((p) => p.author.kind === 'persona').map((p) => p.author.handle))];
  const entries = await Promise.all(
    handles.map(async (handle) => {
      const persona = await findPersonaByHandle(ctx.db, handle);
      if (!persona) return [handle, []] as const;
      const badges = await listActiveBadges(ctx.db, persona.id, { lang: pc.lang });
      return [handle, badges.map((b) => badgeText(pc, b))] as const;
    }),
  );
  return new Map(entries.filter(([, texts]) => texts.length > 0).map(([h, texts]) => [h, [...texts]]));
}
