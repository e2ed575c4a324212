// The baseline of bench/federation.bench.ts: a minimal server written as Fedify 2.3.6's
// documentation shows, with nothing of Parvis — in-memory KV store and queue, one actor (the
// "town hall") with an RSA key pair, its followers collection, and inbox listeners that accept
// Follows and count Creates and Likes. Runs as its own process:
//   PORT=4100 npx node bench/baseline/plain-fedify.ts
// It prints `listening <origin>` once it serves. Two control endpoints for the driver:
//   POST /_bench/publish  → one Note to every follower (shared inboxes preferred); answers { id }
//   GET  /_bench/stats    → { followers, processed }
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createFederation,
  generateCryptoKeyPair,
  InProcessMessageQueue,
  MemoryKvStore,
} from '@fedify/fedify';
import { Accept, Create, Endpoints, Follow, Like, Note, Organization, type Recipient } from '@fedify/vocab';

const port = Number(process.env.PORT ?? 4100);
const host = process.env.HOST ?? '127.0.0.1';
const origin = `http://${host}:${port}`;
const TOWN_HALL = 'townhall';
const PUBLIC = new URL('https://www.w3.org/ns/activitystreams#Public');

const federation = createFederation<void>({
  kv: new MemoryKvStore(),
  queue: new InProcessMessageQueue(),
  origin,
  // The simulated servers listen on loopback addresses.
  allowPrivateAddress: true,
});

const keyPair = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
/** Followers by actor IRI, as the Follow handler resolved them. */
const followers = new Map<string, Recipient>();
let processed = 0;

federation
  .setActorDispatcher('/users/{identifier}', async (ctx, identifier) => {
    if (identifier !== TOWN_HALL) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Organization({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: 'Town hall',
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      publicKey: keys[0]?.cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === TOWN_HALL ? [keyPair] : []));

federation.setFollowersDispatcher('/users/{identifier}/followers', (_ctx, identifier) => {
  if (identifier !== TOWN_HALL) return null;
  return { items: [...followers.values()] };
});

federation
  .setInboxListeners('/users/{identifier}/inbox', '/inbox')
  .on(Follow, async (ctx, follow) => {
    if (!follow.id || !follow.actorId || !follow.objectId) return;
    const target = ctx.parseUri(follow.objectId);
    if (target?.type !== 'actor' || target.identifier !== TOWN_HALL) return;
    const follower = await follow.getActor(ctx);
    if (!follower?.id || !follower.inboxId) return;
    followers.set(follower.id.href, {
      id: follower.id,
      inboxId: follower.inboxId,
      endpoints: follower.endpoints?.sharedInbox ? { sharedInbox: follower.endpoints.sharedInbox } : null,
    });
    await ctx.sendActivity(
      { identifier: TOWN_HALL },
      follower,
      new Accept({
        id: new URL(`#accept/${randomUUID()}`, ctx.getActorUri(TOWN_HALL)),
        actor: follow.objectId,
        object: new Follow({ id: follow.id, actor: follow.actorId, object: follow.objectId }),
      }),
      { preferSharedInbox: true },
    );
  })
  .on(Create, () => {
    processed++;
  })
  .on(Like, () => {
    processed++;
  });

/** The driver's two control endpoints; everything else goes to Fedify. */
async function control(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.url === '/_bench/stats' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ followers: followers.size, processed }));
    return true;
  }
  if (req.url === '/_bench/publish' && req.method === 'POST') {
    const ctx = federation.createContext(new URL(origin), undefined);
    const me = ctx.getActorUri(TOWN_HALL);
    const noteId = new URL(`/notes/${randomUUID()}`, origin);
    const create = new Create({
      id: new URL(`${noteId.href}#create`),
      actor: me,
      to: PUBLIC,
      cc: ctx.getFollowersUri(TOWN_HALL),
      object: new Note({
        id: noteId,
        attribution: me,
        to: PUBLIC,
        cc: ctx.getFollowersUri(TOWN_HALL),
        content: '<p>Road works on the main square from Monday.</p>',
      }),
    });
    await ctx.sendActivity({ identifier: TOWN_HALL }, 'followers', create, { preferSharedInbox: true });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: create.id?.href, note: noteId.href, actor: me.href }));
    return true;
  }
  return false;
}

/** node:http → WHATWG Request → federation.fetch → node:http. */
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (await control(req, res)) return;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const request = new Request(new URL(req.url ?? '/', origin), {
    method: req.method,
    headers,
    body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
  });
  const response = await federation.fetch(request, { contextData: undefined });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.listen(port, host, () => console.log(`listening ${origin}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
