import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { signUp } from '../models/accounts.ops.ts';
import { DomainEvents } from '../models/events.ts';
import { findLocalActor, rememberRemoteActor, upsertRemoteActor } from '../models/federation.ops.ts';
import {
  acceptOutboundFollow,
  countFollows,
  createOutboundFollow,
  listFollows,
  recordInboundFollow,
  rejectOutboundFollow,
} from '../models/follows.ops.ts';
import {
  blockDomain,
  findKnownInstance,
  isDomainBlocked,
  normalizeDomain,
  unblockDomain,
} from '../models/instances.ops.ts';
import { createInstitution } from '../models/institutions.ops.ts';
import { createPersona, deletePersona } from '../models/personas.ops.ts';
import { accounts, handles } from '../models/schema/index.ts';
import { forEachDatabase } from './support/databases.ts';

function remote(iri: string) {
  const url = new URL(iri);
  return {
    iri,
    handle: `@${url.pathname.split('/').pop()}@${url.host}`,
    type: 'Person',
    displayName: 'R',
    summary: '',
    avatarUrl: null,
    url: null,
    inbox: `${iri}/inbox`,
    sharedInbox: `${url.origin}/inbox`,
  };
}

describe('domain names for blocks', () => {
  it('normalises hosts, URLs and ports, and refuses what is not a host', () => {
    assert.equal(normalizeDomain(' Example.ORG '), 'example.org');
    assert.equal(normalizeDomain('https://social.example.org/@someone'), 'social.example.org');
    assert.equal(normalizeDomain('127.0.0.1:3001'), '127.0.0.1:3001');
    assert.equal(normalizeDomain('http://127.0.0.1:3001/users/x'), '127.0.0.1:3001');
    assert.equal(normalizeDomain(''), undefined);
    assert.equal(normalizeDomain('https://user:pw@example.org'), undefined);
  });
});

forEachDatabase('follows and domain blocks', (get) => {
  it('a blocked domain covers its subdomains, not its neighbours, and can be lifted', async () => {
    const db = get().db;
    assert.deepEqual((await blockDomain(db, { domain: 'bad.example' })).ok, true);
    assert.equal(await isDomainBlocked(db, 'bad.example'), true);
    assert.equal(await isDomainBlocked(db, 'social.bad.example'), true);
    assert.equal(await isDomainBlocked(db, 'BAD.example:8443'), true);
    assert.equal(await isDomainBlocked(db, 'notbad.example'), false);
    const again = await blockDomain(db, { domain: 'https://bad.example/' });
    assert.ok(again.ok && !again.created, 'blocking twice is harmless');
    assert.deepEqual(await unblockDomain(db, 'bad.example'), { ok: true });
    assert.deepEqual(await unblockDomain(db, 'bad.example'), { ok: false, reason: 'not-found' });
    assert.equal(await isDomainBlocked(db, 'social.bad.example'), false);
  });

  it('blocking a domain ends the follows with its actors, in both directions, and only those', async () => {
    const db = get().db;
    const there = await upsertRemoteActor(db, remote('https://blocked.example/users/x'));
    const elsewhere = await upsertRemoteActor(db, remote('https://fine.example/users/y'));
    await recordInboundFollow(db, {
      localActor: 'alice',
      remoteActorId: there.id,
      activityIri: 'https://blocked.example/f/1',
    });
    await createOutboundFollow(db, {
      localActor: 'alice',
      remoteActorId: there.id,
      activityIri: 'https://here/f/1',
    });
    await recordInboundFollow(db, {
      localActor: 'alice',
      remoteActorId: elsewhere.id,
      activityIri: 'https://fine.example/f/2',
    });
    await blockDomain(db, { domain: 'blocked.example' });
    assert.deepEqual(
      (await listFollows(db, 'alice', 'inbound')).map((f) => f.actor.iri),
      ['https://fine.example/users/y'],
    );
    assert.equal((await listFollows(db, 'alice', 'outbound')).length, 0);
  });

  it('only the followed actor can accept or reject a follow, matched by the Follow id', async () => {
    const db = get().db;
    const target = await upsertRemoteActor(db, remote('https://one.example/users/t'));
    const intruder = await upsertRemoteActor(db, remote('https://two.example/users/i'));
    const created = await createOutboundFollow(db, {
      localActor: 'bob',
      remoteActorId: target.id,
      activityIri: 'https://here/follows/b1',
    });
    assert.ok(created.ok);
    assert.equal(created.follow.state, 'pending');
    const dup = await createOutboundFollow(db, {
      localActor: 'bob',
      remoteActorId: target.id,
      activityIri: 'https://here/follows/b2',
    });
    assert.equal(dup.ok, false);
    assert.equal(dup.follow.activityIri, 'https://here/follows/b1', 'the first Follow stays');

    assert.deepEqual(await acceptOutboundFollow(db, 'https://here/follows/b1', intruder.id), {
      ok: false,
      reason: 'unknown-follow',
    });
    assert.deepEqual(await rejectOutboundFollow(db, 'https://here/follows/b1', intruder.id), {
      ok: false,
      reason: 'unknown-follow',
    });
    assert.equal(await countFollows(db, 'bob', 'outbound'), 0, 'pending follows are not counted');
    const accepted = await acceptOutboundFollow(db, 'https://here/follows/b1', target.id);
    assert.ok(accepted.ok);
    assert.equal(await countFollows(db, 'bob', 'outbound'), 1);
  });
});

forEachDatabase('remote actors and local actors', (get) => {
  it('remembering a remote actor stores it and its server, and says when the server is new', async () => {
    const db = get().db;
    const first = await rememberRemoteActor(db, remote('https://new.example/users/a'));
    assert.equal(first.newInstance, true);
    assert.equal(first.actor.iri, 'https://new.example/users/a');
    assert.equal(first.actor.domain, 'new.example');
    assert.ok(first.actor.fetchedAt instanceof Date);
    const seen = await findKnownInstance(db, 'new.example');
    assert.ok(seen);
    assert.equal(seen.actors, 1);

    const refreshed = await rememberRemoteActor(db, {
      ...remote('https://new.example/users/a'),
      displayName: 'A2',
    });
    assert.equal(refreshed.newInstance, false, 'the server is known now');
    assert.equal(refreshed.actor.id, first.actor.id, 'the same row, refreshed');
    assert.equal(refreshed.actor.displayName, 'A2');
    const again = await findKnownInstance(db, 'new.example');
    assert.equal(again?.firstSeenAt.getTime(), seen.firstSeenAt.getTime());
    assert.ok(again!.lastSeenAt >= seen.lastSeenAt);

    const neighbour = await rememberRemoteActor(db, remote('https://new.example/users/b'));
    assert.equal(neighbour.newInstance, false, 'a second actor of a known server');
    assert.equal((await findKnownInstance(db, 'new.example'))?.actors, 2);
  });

  it('a local actor is found by handle, whatever its kind and case, with its state', async () => {
    const ctx = { db: get().db, events: new DomainEvents() };
    const town = await createInstitution(ctx.db, { handle: 'townhall', name: 'Town hall' });
    assert.ok(town.ok);
    const found = await findLocalActor(ctx.db, 'TownHall');
    assert.equal(found?.kind, 'institution');
    assert.equal(found?.handle, 'townhall');

    const signed = await signUp(ctx, {
      email: 'r@example.org',
      password: 'a long password',
      handle: 'resident',
      displayName: 'R',
    });
    assert.ok(signed.ok);
    const persona = await findLocalActor(ctx.db, 'resident');
    assert.ok(persona?.kind === 'persona');
    assert.equal(persona.persona.id, signed.persona.id);
    assert.equal(persona.suspended, false);
    assert.equal(persona.deleted, false);

    await ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, signed.account.id));
    assert.equal((await findLocalActor(ctx.db, 'resident'))?.suspended, true);

    assert.ok((await createPersona(ctx, signed.account.id, { handle: 'second', displayName: 'S' })).ok);
    assert.ok((await deletePersona(ctx, signed.account.id, 'second')).ok);
    const tombstone = await findLocalActor(ctx.db, 'second');
    assert.ok(tombstone?.kind === 'persona', 'a deleted persona is still found (it answers as a tombstone)');
    assert.equal(tombstone.deleted, true);

    await ctx.db.insert(handles).values({ handle: 'kept', kind: 'reserved' });
    assert.equal(await findLocalActor(ctx.db, 'kept'), undefined, 'a reserved handle is no actor');
    assert.equal(await findLocalActor(ctx.db, 'nobody'), undefined);
  });
});
