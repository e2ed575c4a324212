import { webcrypto } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signRequest } from '@fedify/fedify';

/** The JSON-LD contexts Mastodon 4.x puts on actors and statuses, as it sends them. */
export const MASTODON_ACTOR_CONTEXT = [
  'https://www.w3.org/ns/activitystreams',
  'https://w3id.org/security/v1',
  {
    manuallyApprovesFollowers: 'as:manuallyApprovesFollowers',
    toot: 'http://joinmastodon.org/ns#',
    featured: { '@id': 'toot:featured', '@type': '@id' },
    discoverable: 'toot:discoverable',
    indexable: 'toot:indexable',
    schema: 'http://schema.org#',
    PropertyValue: 'schema:PropertyValue',
    value: 'schema:value',
  },
];
export const MASTODON_STATUS_CONTEXT = [
  'https://www.w3.org/ns/activitystreams',
  {
    ostatus: 'http://ostatus.org#',
    atomUri: 'ostatus:atomUri',
    inReplyToAtomUri: 'ostatus:inReplyToAtomUri',
    conversation: 'ostatus:conversation',
    sensitive: 'as:sensitive',
    toot: 'http://joinmastodon.org/ns#',
  },
];
export const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

type Account = { name: string; displayName: string; keys: CryptoKeyPair; pem: string; gone: boolean };

/**
 * What happened at an inbox: a delivery arrived (and how it was answered), or a delivery held
 * unanswered was abandoned by its sender (the connection closed). `seq` orders the events of
 * every FakeMastodon of the process, so tests can say which happened first across servers.
 */
export type InboxEvent = {
  seq: number;
  kind: 'received' | 'abandoned';
  activityId: string | undefined;
  answer: number | 'hang';
};
let eventSeq = 0;

/**
 * A tiny server that looks like a Mastodon instance to ours: it serves its accounts' actor
 * documents (with real RSA keys), records what our instance delivers to its inboxes, and
 * posts activities signed as Mastodon signs them (draft-cavage HTTP Signatures, Digest).
 */
export class FakeMastodon {
  url = '';
  readonly received: Record<string, unknown>[] = [];
  /** The inbox path of each entry of `received` (shared `/inbox` or `/users/x/inbox`). */
  readonly receivedAt: string[] = [];
  /**
   * How the inboxes answer: a status, or 'hang' (the request is read and never answered, like
   * a server that is stuck). Called with the activity received.
   */
  inboxAnswer: (activity: Record<string, unknown>) => number | 'hang' = () => 202;
  /** Every delivery and abandoned delivery, in order (see InboxEvent). */
  readonly events: InboxEvent[] = [];
  private readonly hanging: ServerResponse[] = [];
  private server: Server | undefined;
  private readonly accounts = new Map<string, Account>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        if (req.method === 'POST' && /^\/(users\/[^/]+\/)?inbox$/.test(path)) {
          const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          const answer = this.inboxAnswer(activity);
          this.received.push(activity);
          this.receivedAt.push(path);
          const activityId = typeof activity.id === 'string' ? activity.id : undefined;
          this.events.push({ seq: ++eventSeq, kind: 'received', activityId, answer });
          if (answer === 'hang') {
            this.hanging.push(res);
            // The sender gave up (timeout): the connection closes while we still hold it.
            res.on('close', () => {
              const i = this.hanging.indexOf(res);
              if (i < 0) return;
              this.hanging.splice(i, 1);
              this.events.push({ seq: ++eventSeq, kind: 'abandoned', activityId, answer });
            });
            return;
          }
          res.statusCode = answer;
          return res.end();
        }
        const account = /^\/users\/([^/]+)$/.exec(path)?.[1];
        const found = account ? this.accounts.get(account) : undefined;
        if (req.method === 'GET' && found) {
          res.statusCode = found.gone ? 410 : 200;
          res.setHeader('content-type', 'application/activity+json');
          return res.end(found.gone ? '' : JSON.stringify(this.actorDocument(found.name)));
        }
        res.statusCode = 404;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** How many held deliveries their sender abandoned (closed the connection). */
  get abandonedCount(): number {
    return this.events.filter((e) => e.kind === 'abandoned').length;
  }

  /** The deliveries of one activity (by id) that this server accepted with a 2xx answer. */
  acceptedDeliveries(activityId: string): number {
    return this.events.filter(
      (e) =>
        e.kind === 'received' &&
        e.activityId === activityId &&
        typeof e.answer === 'number' &&
        e.answer < 300,
    ).length;
  }

  /** How many requests are held unanswered right now. */
  get hangingCount(): number {
    return this.hanging.length;
  }

  /** Answers normally again, and cuts the connections held so far (the sender sees a network error). */
  releaseHanging(): void {
    this.inboxAnswer = () => 202;
    for (const res of this.hanging.splice(0)) res.destroy();
  }

  async close(): Promise<void> {
    this.releaseHanging();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  actor(name: string): string {
    return `${this.url}/users/${name}`;
  }

  async addAccount(name: string, displayName = name): Promise<string> {
    const keys = (await webcrypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey)).toString('base64');
    const pem = `-----BEGIN PUBLIC KEY-----\n${spki.match(/.{1,64}/g)?.join('\n')}\n-----END PUBLIC KEY-----\n`;
    this.accounts.set(name, { name, displayName, keys, pem, gone: false });
    return this.actor(name);
  }

  rename(name: string, displayName: string): void {
    const account = this.accounts.get(name);
    if (account) account.displayName = displayName;
  }

  /** From now on, the account's actor document answers 410 Gone (a deleted Mastodon account). */
  markGone(name: string): void {
    const account = this.accounts.get(name);
    if (account) account.gone = true;
  }

  actorDocument(name: string): Record<string, unknown> {
    const account = this.accounts.get(name);
    if (!account) throw new Error(`no account ${name}`);
    const id = this.actor(name);
    return {
      '@context': MASTODON_ACTOR_CONTEXT,
      id,
      type: 'Person',
      following: `${id}/following`,
      followers: `${id}/followers`,
      inbox: `${id}/inbox`,
      outbox: `${id}/outbox`,
      featured: `${id}/collections/featured`,
      preferredUsername: name,
      name: account.displayName,
      summary: '<p>Habitante</p>',
      url: `${this.url}/@${name}`,
      manuallyApprovesFollowers: false,
      discoverable: true,
      indexable: true,
      published: '2024-01-01T00:00:00Z',
      publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: account.pem },
      tag: [],
      attachment: [{ type: 'PropertyValue', name: 'Quartier', value: 'Centre' }],
      endpoints: { sharedInbox: `${this.url}/inbox` },
    };
  }

  /** POSTs an activity to one of our inboxes, signed by `name`'s key; returns the status. */
  async deliver(name: string, inbox: string, activity: Record<string, unknown>): Promise<number> {
    const account = this.accounts.get(name);
    if (!account) throw new Error(`no account ${name}`);
    const request = new Request(inbox, {
      method: 'POST',
      headers: { 'content-type': 'application/activity+json', accept: 'application/activity+json' },
      body: JSON.stringify(activity),
    });
    const signed = await signRequest(
      request,
      account.keys.privateKey,
      new URL(`${this.actor(name)}#main-key`),
      {
        spec: 'draft-cavage-http-signatures-12',
      },
    );
    const res = await fetch(signed);
    await res.body?.cancel();
    return res.status;
  }

  /** The activities our instance delivered here, of one type. */
  receivedOfType(type: string): Record<string, unknown>[] {
    return this.received.filter((a) => a.type === type);
  }
}
