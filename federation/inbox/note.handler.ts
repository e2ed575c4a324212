import type { InboxContext } from '@fedify/fedify';
import {
  type Create,
  type Delete,
  isActor,
  Mention,
  Note,
  PUBLIC_COLLECTION,
  type Update,
} from '@fedify/vocab';
import { escapeHtml } from '../../models/post-text.ts';
import { deleteRemotePost, updateRemotePost, upsertRemotePost } from '../../models/remote-posts.ops.ts';
import type { PostVisibility } from '../../models/schema/index.ts';
import type { AppContext } from '../../server/context.ts';
import { logger } from '../../server/logging.ts';
import { localPostId } from '../objects.ts';
import { rememberActor } from '../remote-actors.ts';
import { sanitizeRemoteHtml } from '../sanitize.ts';
import { drop } from './drop.ts';

const log = logger('federation', 'inbox');

/** The longest remote HTML we keep; a status is a few hundred characters, an essay is not a Note. */
const MAX_REMOTE_HTML = 100_000;

/** Fetches go through the inbox context's loaders (signed, private addresses refused outside tests). */
export function loadOptions(ctx: InboxContext<AppContext>) {
  return { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, suppressError: true };
}

function toDate(value: { epochMilliseconds: number } | null | undefined): Date | null {
  return value ? new Date(value.epochMilliseconds) : null;
}

function contentOf(note: Note): { html: string; language: string | null } {
  const content = note.content;
  // The language comes from `contentMap` (a language-tagged entry), when the sender gave one.
  const tagged = note.contents.find((c) => typeof c !== 'string');
  const language = tagged && typeof tagged !== 'string' ? tagged.locale.baseName : null;
  const html = sanitizeRemoteHtml(String(content ?? '').slice(0, MAX_REMOTE_HTML));
  // Mastodon's content warning travels as `summary`: keep it, as text, before the content.
  const warning = note.summary ? String(note.summary).trim().slice(0, 500) : '';
  return { html: warning ? `<p><strong>${escapeHtml(warning)}</strong></p>${html}` : html, language };
}

/** True when one of the note's Mention tags names an actor of ours. */
async function mentionsLocalActor(ctx: InboxContext<AppContext>, note: Note): Promise<boolean> {
  for await (const tag of note.getTags(loadOptions(ctx))) {
    if (tag instanceof Mention && tag.href && ctx.parseUri(tag.href)?.type === 'actor') return true;
  }
  return false;
}

/** Public when addressed to Public; followers-only when addressed to the author's followers; else undefined (direct). */
function visibilityOf(note: Note, followersIri: URL | null): PostVisibility | undefined {
  const audience = [...note.toIds, ...note.ccIds].map((u) => u.href);
  if (
    audience.includes(PUBLIC_COLLECTION.href) ||
    audience.includes('as:Public') ||
    audience.includes('Public')
  ) {
    return 'public';
  }
  if (followersIri && audience.includes(followersIri.href)) return 'followers';
  return undefined;
}

/** Create(Note): a post from a remote actor, or a reply to one of ours. */
export async function onCreate(ctx: InboxContext<AppContext>, create: Create): Promise<void> {
  if (!create.id || !create.actorId) return drop(create, 'no id or actor');
  const object = await create.getObject(loadOptions(ctx));
  if (!(object instanceof Note)) return drop(create, `object is a ${object?.constructor.name ?? 'nothing'}`);
  if (!object.id) return drop(create, 'note without id');
  // The author must be the sender: nobody publishes in somebody else's name.
  if (object.attributionId?.href !== create.actorId.href) return drop(create, 'actor is not the author');
  if (object.id.origin !== create.actorId.origin)
    return drop(create, 'note hosted on another server than its author');
  const actor = await create.getActor(loadOptions(ctx));
  if (!actor || !isActor(actor)) return drop(create, 'actor could not be fetched');
  const cached = await rememberActor(ctx, actor);
  if (!cached) return drop(create, 'unusable actor');
  const visibility = visibilityOf(object, actor.followersId);
  if (!visibility) return drop(create, 'direct messages are not supported');
  const { html, language } = contentOf(object);
  const parentIri = object.replyTargetId;
  const parentId = parentIri ? localPostId(ctx, parentIri) : undefined;
  const result = await upsertRemotePost(ctx.data.db, {
    iri: object.id.href,
    authorActorIri: create.actorId.href,
    content: html,
    language,
    visibility,
    inReplyTo: parentId ? { postId: parentId } : parentIri ? { iri: parentIri.href } : null,
    url: object.url instanceof URL ? object.url.href : (object.url?.href?.href ?? null),
    published: toDate(object.published) ?? new Date(),
    updated: toDate(object.updated),
    mentionsLocal: await mentionsLocalActor(ctx, object),
  });
  if (!result.ok) return drop(create, result.reason);
  log.debug('Note {iri} stored (new: {created})', { iri: object.id.href, created: result.created });
}

/** Update: of a Note by its author; of an actor, a refresh of our cached copy. */
export async function onUpdate(ctx: InboxContext<AppContext>, update: Update): Promise<void> {
  if (!update.id || !update.actorId) return drop(update, 'no id or actor');
  const object = await update.getObject(loadOptions(ctx));
  if (isActor(object)) {
    if (object.id?.href !== update.actorId.href) return drop(update, "updates another actor's profile");
    await rememberActor(ctx, object);
    return;
  }
  if (!(object instanceof Note) || !object.id) return drop(update, 'not a note');
  if (object.attributionId?.href !== update.actorId.href) return drop(update, 'actor is not the author');
  const { html, language } = contentOf(object);
  const result = await updateRemotePost(ctx.data.db, {
    iri: object.id.href,
    actorIri: update.actorId.href,
    content: html,
    language,
    updated: toDate(object.updated),
  });
  if (!result.ok) return drop(update, result.reason);
}

/**
 * Delete of an object (the actor-deletion case is handled before, in delete.handler.ts): only
 * the author of the stored post may delete it. The object is a Tombstone or a bare IRI; it is
 * never fetched (it is gone).
 */
export async function onDeleteNote(ctx: InboxContext<AppContext>, del: Delete): Promise<void> {
  if (!del.actorId || !del.objectId) return drop(del, 'no actor or object');
  const result = await deleteRemotePost(ctx.data.db, { iri: del.objectId.href, actorIri: del.actorId.href });
  if (!result.ok) return drop(del, result.reason);
}
