import assert from 'node:assert/strict';
import { upsertRemoteActor } from '../models/federation.ops.ts';
import {
  acceptOutboundFollow,
  countFollows,
  createOutboundFollow,
  listFollows,
  recordInboundFollow,
  rejectOutboundFollow,
} from '../models/follows.ops.ts';
import { blockDomain, isDomainBlocked, normalizeDomain, unblockDomain } from '../models/instances.ops.ts';
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
