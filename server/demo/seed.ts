import { countAccounts, signUp } from '../../models/accounts.ops.ts';
import type { Db } from '../../models/db.ts';
import type { DomainEvents } from '../../models/events.ts';
import { createInstitution, findInstitutionByHandle } from '../../models/institutions.ops.ts';
import { updatePersona } from '../../models/personas.ops.ts';
import { publishPost } from '../../models/posts.ops.ts';
import type { Author } from '../../models/posts.queries.ts';
import { createDistrict, getInstanceSettings, updateInstanceSettings } from '../../models/territory.ops.ts';
import { DEMO_PASSWORD, DEMO_TOWN } from './town.ts';

export type SeedResult = { ok: true; created: boolean } | { ok: false; reason: 'instance-not-empty' };

/**
 * Fills a fictional town (districts, institutions, residents, posts and replies) through the
 * same operations the application uses. Runs once: a second run changes nothing.
 */
export async function seedDemo(
  ctx: { db: Db; events: DomainEvents },
  defaults: { name: string },
): Promise<SeedResult> {
  const settings = await getInstanceSettings(ctx.db, defaults);
  if (settings.name === DEMO_TOWN.name) return { ok: true, created: false };
  // Never turn a real town into Belleville: only an instance with no one but its admins gets the demo.
  if ((await countAccounts(ctx.db, { excludeRole: 'admin' })) > 0)
    return { ok: false, reason: 'instance-not-empty' };

  await updateInstanceSettings(ctx.db, { name: DEMO_TOWN.name, description: DEMO_TOWN.description });
  for (const d of DEMO_TOWN.districts) await createDistrict(ctx.db, d);

  const authors = new Map<string, Author>();
  for (const i of DEMO_TOWN.institutions) {
    const result = await createInstitution(ctx.db, i);
    const institution = result.ok ? result.institution : await findInstitutionByHandle(ctx.db, i.handle);
    if (institution)
      authors.set(i.handle, { kind: 'institution', id: institution.id, handle: institution.handle });
  }
  for (const r of DEMO_TOWN.residents) {
    const result = await signUp(ctx, {
      email: r.email,
      password: DEMO_PASSWORD,
      handle: r.handle,
      displayName: r.displayName,
    });
    if (!result.ok) continue;
    await updatePersona(ctx, result.account.id, r.handle, { bio: r.bio, districtSlug: r.district });
    authors.set(r.handle, { kind: 'persona', id: result.persona.id, handle: r.handle });
  }
  for (const p of DEMO_TOWN.posts) {
    const author = authors.get(p.by);
    if (!author) continue;
    const published = await publishPost(ctx, author, {
      content: p.content,
      visibility: 'public',
      language: 'fr',
    });
    if (!published.ok) continue;
    for (const reply of p.replies) {
      const replier = authors.get(reply.by);
      if (!replier) continue;
      await publishPost(ctx, replier, {
        content: reply.content,
        visibility: 'public',
        language: 'fr',
        inReplyTo: { postId: published.post.id },
      });
    }
  }
  return { ok: true, created: true };
}

export function demoAccountsSummary(): string {
  const lines = DEMO_TOWN.residents.map((r) => `  ${r.email}  (@${r.handle}, ${r.displayName})`);
  return `Demo residents (password "${DEMO_PASSWORD}"):\n${lines.join('\n')}`;
}
