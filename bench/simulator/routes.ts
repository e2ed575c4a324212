import type { IncomingMessage } from 'node:http';
import { verifyRequest } from '@fedify/fedify';
import type { DocumentLoader, RemoteDocument } from '@fedify/vocab';
import type { Arrival } from './arrivals.ts';
import {
  actorDocument,
  emptyCollection,
  nodeInfoDocument,
  nodeInfoLinks,
  webFingerDocument,
} from './documents.ts';
import type { Answer, SimulatedInstance } from './instance.ts';
import type { KeyPool } from './key-pool.ts';

const ACTIVITY_JSON = { 'content-type': 'application/activity+json' };

function json(document: Record<string, unknown>, contentType = 'application/json'): Answer {
  return { status: 200, headers: { 'content-type': contentType }, body: JSON.stringify(document) };
}

/** Actor documents, their empty collections, WebFinger and NodeInfo of one instance. */
export function answerGet(instance: SimulatedInstance, url: URL, keys: KeyPool): Answer {
  const path = url.pathname;
  if (path === '/.well-known/nodeinfo') return json(nodeInfoLinks(instance.origin));
  if (path === '/nodeinfo/2.1')
    return json(
      nodeInfoDocument(instance.followers.length),
      `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"`,
    );
  if (path === '/.well-known/webfinger') {
    const actor = webFingerTarget(instance, url.searchParams.get('resource') ?? '');
    if (!actor) return { status: 404 };
    return json(webFingerDocument(actor, instance.host), 'application/jrd+json');
  }
  const match = /^\/users\/user(\d+)(?:\/(outbox|followers|following))?$/.exec(path);
  const actor = match ? instance.followers[Number(match[1]) - 1] : undefined;
  if (!match || !actor) return { status: 404 };
  if (match[2])
    return { status: 200, headers: ACTIVITY_JSON, body: JSON.stringify(emptyCollection(url.href)) };
  return {
    status: 200,
    headers: ACTIVITY_JSON,
    body: JSON.stringify(actorDocument(actor, keys.publicKeyPem(actor.keyIndex))),
  };
}

function webFingerTarget(instance: SimulatedInstance, resource: string) {
  const acct = /^acct:([^@]+)@(.+)$/.exec(resource);
  if (acct) return acct[2] === instance.host ? byUsername(instance, acct[1] ?? '') : undefined;
  return instance.followers.find((f) => f.id === resource);
}

function byUsername(instance: SimulatedInstance, username: string) {
  const n = /^user(\d+)$/.exec(username)?.[1];
  return n === undefined ? undefined : instance.followers[Number(n) - 1];
}

type ActivityFields = Pick<Arrival, 'activityId' | 'type' | 'actor' | 'objectId'>;

/** The fields an arrival records, or undefined when the body is not a JSON object. */
export function readActivity(body: Buffer): ActivityFields | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // not JSON: the inbox answers 400 and records nothing
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const activity = parsed as Record<string, unknown>;
  const type = Array.isArray(activity.type) ? activity.type[0] : activity.type;
  return {
    activityId: typeof activity.id === 'string' ? activity.id : null,
    type: typeof type === 'string' ? type : null,
    actor: idOf(activity.actor),
    objectId: idOf(activity.object),
  };
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return null;
}

export function signatureKind(req: IncomingMessage): Arrival['signature'] {
  if (req.headers['signature-input']) return 'rfc9421';
  if (req.headers.signature) return 'draft-cavage';
  return null;
}

/** Verifies inbox POSTs with Fedify's `verifyRequest`, fetching each key document once. */
export class SignatureChecker {
  readonly #documents = new Map<string, Promise<RemoteDocument>>();

  async verify(url: URL, req: IncomingMessage, body: Buffer): Promise<boolean> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    const request = new Request(url, { method: 'POST', headers, body: new Uint8Array(body) });
    try {
      return (await verifyRequest(request, { documentLoader: this.#load })) !== null;
    } catch {
      return false; // an unreachable or malformed key document is a failed verification
    }
  }

  readonly #load: DocumentLoader = (url: string) => {
    let document = this.#documents.get(url);
    if (!document) {
      document = fetchDocument(url);
      document.catch(() => this.#documents.delete(url));
      this.#documents.set(url, document);
    }
    return document;
  };
}

async function fetchDocument(url: string): Promise<RemoteDocument> {
  const res = await fetch(url, { headers: { accept: 'application/activity+json, application/ld+json' } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return { contextUrl: null, documentUrl: res.url || url, document: await res.json() };
}
