/** What a simulated follower is: a real actor on one simulated instance. */
export type SimulatedActor = {
  readonly id: string;
  readonly username: string;
  /** The origin of its instance, `http://127.0.X.Y:port`. */
  readonly instance: string;
  readonly inbox: string;
  readonly sharedInbox: string;
  readonly keyId: string;
  /** Its key pair's index in the simulator's key pool. */
  readonly keyIndex: number;
};

/** The JSON-LD contexts Mastodon 4.x puts on actors. */
const ACTOR_CONTEXT = [
  'https://www.w3.org/ns/activitystreams',
  'https://w3id.org/security/v1',
  {
    manuallyApprovesFollowers: 'as:manuallyApprovesFollowers',
    toot: 'http://joinmastodon.org/ns#',
    discoverable: 'toot:discoverable',
    indexable: 'toot:indexable',
  },
];

export const NODEINFO_SCHEMA = 'http://nodeinfo.diaspora.software/ns/schema/2.1';

export function makeActor(origin: string, username: string, keyIndex: number): SimulatedActor {
  const id = `${origin}/users/${username}`;
  return {
    id,
    username,
    instance: origin,
    inbox: `${id}/inbox`,
    sharedInbox: `${origin}/inbox`,
    keyId: `${id}#main-key`,
    keyIndex,
  };
}

/** A Mastodon-shaped `Person`, built on each request so 10,000 actors cost no documents in memory. */
export function actorDocument(actor: SimulatedActor, publicKeyPem: string): Record<string, unknown> {
  return {
    '@context': ACTOR_CONTEXT,
    id: actor.id,
    type: 'Person',
    preferredUsername: actor.username,
    name: actor.username,
    summary: '',
    url: `${actor.instance}/@${actor.username}`,
    inbox: actor.inbox,
    outbox: `${actor.id}/outbox`,
    followers: `${actor.id}/followers`,
    following: `${actor.id}/following`,
    manuallyApprovesFollowers: false,
    discoverable: false,
    indexable: false,
    published: '2024-01-01T00:00:00Z',
    publicKey: { id: actor.keyId, owner: actor.id, publicKeyPem },
    endpoints: { sharedInbox: actor.sharedInbox },
  };
}

export function emptyCollection(id: string): Record<string, unknown> {
  return {
    '@context': 'https://www.w3.org/ns/activitystreams',
    id,
    type: 'OrderedCollection',
    totalItems: 0,
    orderedItems: [],
  };
}

export function webFingerDocument(actor: SimulatedActor, host: string): Record<string, unknown> {
  return {
    subject: `acct:${actor.username}@${host}`,
    aliases: [actor.id],
    links: [
      { rel: 'self', type: 'application/activity+json', href: actor.id },
      {
        rel: 'http://webfinger.net/rel/profile-page',
        type: 'text/html',
        href: `${actor.instance}/@${actor.username}`,
      },
    ],
  };
}

export function nodeInfoLinks(origin: string): Record<string, unknown> {
  return { links: [{ rel: NODEINFO_SCHEMA, href: `${origin}/nodeinfo/2.1` }] };
}

export function nodeInfoDocument(users: number): Record<string, unknown> {
  return {
    version: '2.1',
    software: { name: 'fedisim', version: '1.0.0' },
    protocols: ['activitypub'],
    services: { inbound: [], outbound: [] },
    openRegistrations: false,
    usage: { users: { total: users, activeMonth: users, activeHalfyear: users }, localPosts: 0 },
    metadata: {},
  };
}
