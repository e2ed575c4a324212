import type { Context, Federation } from '@fedify/fedify';
import { Application, Endpoints, Organization, Person, Tombstone } from '@fedify/vocab';
import { findLocalActor, type LocalActor } from '../models/federation.ops.ts';
import type { AppContext } from '../server/context.ts';
import { personaBadgeAttachments } from './badges.ts';
import { ACTOR_PATH, INSTANCE_ACTOR } from './constants.ts';
import { actorKeyPairs, heldActorKeyPairs } from './keys.ts';

/**
 * Actors: personas as `Person`, institutions as `Organization`, the instance as
 * `Application`. A persona's document carries only what its public page shows: no account,
 * no creation time, no id, nothing shared with the account's other personas.
 */
export function registerActors(federation: Federation<AppContext>): void {
  federation
    .setActorDispatcher(ACTOR_PATH, async (ctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) return instanceActor(ctx);
      const local = await findLocalActor(ctx.data.db, identifier);
      // Only the canonical (lower-case) identifier answers, so one actor has one IRI.
      if (!local || local.handle !== identifier) return null;
      return localActorDocument(ctx, local);
    })
    .setKeyPairsDispatcher(async (ctx, identifier) => {
      // Fedify asks several times per activity (an inbox POST to a personal inbox: the signed
      // key fetch, then the actor document; a Follow in the worker: its document loader and the
      // Accept): once the keys are held, the existence check is not repeated.
      const held = heldActorKeyPairs(ctx.data, identifier);
      if (held) return held;
      if (identifier !== INSTANCE_ACTOR && !(await findLocalActor(ctx.data.db, identifier))) return [];
      return actorKeyPairs(ctx.data, identifier);
    })
    .mapHandle(async (ctx, username) => {
      if (username === INSTANCE_ACTOR) return INSTANCE_ACTOR;
      const local = await findLocalActor(ctx.data.db, username);
      return local && !local.deleted ? local.handle : null;
    });
}

export async function localActorDocument(ctx: Context<AppContext>, local: LocalActor) {
  const id = ctx.getActorUri(local.handle);
  // Deleted personas answer 410 with a tombstone, so other servers drop their copy.
  if (local.kind === 'persona' && local.deleted) return new Tombstone({ id });
  const keys = await ctx.getActorKeyPairs(local.handle);
  const common = {
    id,
    preferredUsername: local.handle,
    url: new URL(`/@${local.handle}`, ctx.canonicalOrigin),
    inbox: ctx.getInboxUri(local.handle),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    outbox: ctx.getOutboxUri(local.handle),
    followers: ctx.getFollowersUri(local.handle),
    following: ctx.getFollowingUri(local.handle),
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
    manuallyApprovesFollowers: false,
  };
  if (local.kind === 'institution') {
    const i = local.institution;
    return new Organization({
      ...common,
      name: i.name,
      summary: textToHtml(i.description),
      discoverable: true,
    });
  }
  const p = local.persona;
  return new Person({
    ...common,
    name: p.displayName,
    summary: textToHtml(p.bio),
    discoverable: p.discoverable,
    indexable: p.indexable,
    attachments: await personaBadgeAttachments(ctx.data, p),
  });
}

async function instanceActor(ctx: Context<AppContext>) {
  const keys = await ctx.getActorKeyPairs(INSTANCE_ACTOR);
  return new Application({
    id: ctx.getActorUri(INSTANCE_ACTOR),
    preferredUsername: INSTANCE_ACTOR,
    name: ctx.data.config.instanceName,
    url: new URL('/', ctx.canonicalOrigin),
    inbox: ctx.getInboxUri(INSTANCE_ACTOR),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    outbox: ctx.getOutboxUri(INSTANCE_ACTOR),
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
    manuallyApprovesFollowers: true,
    discoverable: false,
    indexable: false,
  });
}

/** Plain text (a bio) as the HTML `summary` expects: escaped, one paragraph per blank line. */
export function textToHtml(text: string): string {
  if (!text.trim()) return '';
  const escaped = text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
  return escaped
    .split(/\n{2,}/)
    .map((para) => `<p>${para.replaceAll('\n', '<br>')}</p>`)
    .join('');
}
