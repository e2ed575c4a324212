import { type Context, parseNodeInfo } from '@fedify/fedify';
import { type Actor, Application, Group, isActor, Link, Organization, Person, Service } from '@fedify/vocab';
import sanitizeHtml from 'sanitize-html';
import {
  findRemoteActorByHandle,
  findRemoteActorByIri,
  rememberRemoteActor,
} from '../models/federation.ops.ts';
import { isDomainBlocked, setInstanceSoftware } from '../models/instances.ops.ts';
import type { RemoteActor } from '../models/schema/index.ts';
import type { AppContext } from '../server/context.ts';
import { logger } from '../server/logging.ts';
import { INSTANCE_ACTOR } from './constants.ts';
import { sanitizeRemoteHtml } from './sanitize.ts';

const log = logger('federation', 'actors');

/** A remote bio: the same allow-list as remote posts (federation/sanitize.ts), bounded. */
export function sanitizeSummary(html: string): string {
  return sanitizeRemoteHtml(html.slice(0, 20_000)).slice(0, 10_000);
}

/**
 * Display names are plain text: every tag goes (scripts with their content), and the entities
 * the sanitiser leaves are decoded, since every renderer escapes plain text itself.
 */
export function plainText(html: string): string {
  return sanitizeHtml(html.slice(0, 2_000), { allowedTags: [], allowedAttributes: {} })
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

function actorType(actor: Actor): string {
  if (actor instanceof Person) return 'Person';
  if (actor instanceof Organization) return 'Organization';
  if (actor instanceof Group) return 'Group';
  if (actor instanceof Service) return 'Service';
  if (actor instanceof Application) return 'Application';
  return 'Actor';
}

function hrefOf(value: URL | Link | null | undefined): string | null {
  if (!value) return null;
  if (value instanceof URL) return value.href;
  return value.href?.href ?? null;
}

/** Caches (or refreshes) a remote actor we received or looked up; undefined when it is unusable. */
export async function rememberActor(
  ctx: Context<AppContext>,
  actor: Actor,
): Promise<RemoteActor | undefined> {
  if (!actor.id || !actor.inboxId) {
    log.debug('Remote actor without id or inbox ignored');
    return undefined;
  }
  let avatarUrl: string | null = null;
  try {
    const icon = await actor.getIcon({
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
    });
    avatarUrl = hrefOf(icon?.url);
  } catch (error) {
    log.debug('Avatar of {actor} not resolved: {error}', { actor: actor.id.href, error: String(error) });
  }
  const host = actor.id.host;
  const { actor: row, newInstance } = await rememberRemoteActor(ctx.data.db, {
    iri: actor.id.href,
    handle: `@${actor.preferredUsername?.toString() ?? 'unknown'}@${host}`,
    type: actorType(actor),
    displayName: plainText(actor.name?.toString() ?? ''),
    summary: sanitizeSummary(actor.summary?.toString() ?? ''),
    avatarUrl: avatarUrl && /^https?:/.test(avatarUrl) ? avatarUrl : null,
    url: hrefOf(actor.url instanceof URL || actor.url instanceof Link ? actor.url : null),
    inbox: actor.inboxId.href,
    sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
  });
  if (newInstance) void learnSoftware(ctx, actor.id);
  return row;
}

/**
 * The first time we meet a server, asks its NodeInfo which software it runs, for the admin's
 * list. Best effort, in the background: nothing waits for it and a failure only leaves it blank.
 */
async function learnSoftware(ctx: Context<AppContext>, actorId: URL): Promise<void> {
  try {
    // Through the federation's document loader, which applies the private-address policy
    // (lookupNodeInfo has its own fetch that ignores the test-only setting).
    const wellKnown = await ctx.documentLoader(new URL('/.well-known/nodeinfo', actorId).href);
    const links = (wellKnown.document as { links?: { rel?: unknown; href?: unknown }[] }).links ?? [];
    const link = links.find(
      (l) => typeof l.rel === 'string' && l.rel.startsWith('http://nodeinfo.diaspora.software/ns/schema/2.'),
    );
    if (typeof link?.href !== 'string' || new URL(link.href).host !== actorId.host) return;
    const info = parseNodeInfo((await ctx.documentLoader(link.href)).document, { tryBestEffort: true });
    if (info?.software.name) {
      await setInstanceSoftware(
        ctx.data.db,
        actorId.host,
        `${info.software.name} ${info.software.version}`.trim(),
      );
    }
  } catch (error) {
    log.debug('NodeInfo of {host} not read: {error}', { host: actorId.host, error: String(error) });
  }
}

export type ResolveActorResult =
  | { ok: true; actor: RemoteActor }
  | { ok: false; reason: 'invalid-target' | 'blocked' | 'local' | 'not-found' | 'not-an-actor' };

const HANDLE_RE = /^@?([^@\s/]+)@([^@\s/]+)$/;

/**
 * Finds a remote actor by `@user@domain` (WebFinger, always over https) or by its actor URL,
 * fetched with the instance actor's signature (servers in "secure mode" require one).
 */
export async function resolveRemoteActor(
  ctx: Context<AppContext>,
  target: string,
): Promise<ResolveActorResult> {
  const trimmed = target.trim();
  const handle = HANDLE_RE.exec(trimmed);
  let host: string;
  if (handle) host = handle[2]!.toLowerCase();
  else if (/^https?:\/\//i.test(trimmed) && URL.canParse(trimmed)) host = new URL(trimmed).host;
  else return { ok: false, reason: 'invalid-target' };

  if (host === new URL(ctx.canonicalOrigin).host) return { ok: false, reason: 'local' };
  if (await isDomainBlocked(ctx.data.db, host)) return { ok: false, reason: 'blocked' };

  let object: unknown;
  try {
    object = await ctx.lookupObject(handle ? `@${handle[1]}@${handle[2]}` : trimmed, {
      documentLoader: await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR }),
    });
  } catch (error) {
    log.debug('Lookup of {target} failed: {error}', { target: trimmed, error: String(error) });
    object = null;
  }
  if (!object) {
    // A server that is down right now: fall back on what we cached earlier.
    const cached = handle
      ? await findRemoteActorByHandle(ctx.data.db, `@${handle[1]}@${host}`)
      : await findRemoteActorByIri(ctx.data.db, trimmed);
    return cached ? { ok: true, actor: cached } : { ok: false, reason: 'not-found' };
  }
  if (!isActor(object)) return { ok: false, reason: 'not-an-actor' };
  if (!object.id || (await isDomainBlocked(ctx.data.db, object.id.host)))
    return { ok: false, reason: 'blocked' };
  const row = await rememberActor(ctx, object);
  return row ? { ok: true, actor: row } : { ok: false, reason: 'not-an-actor' };
}
