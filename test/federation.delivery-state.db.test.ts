import assert from 'node:assert/strict';
import type { CircuitBreakerActivityDrop } from '@fedify/fedify';
import { Create } from '@fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';
import { sql } from 'drizzle-orm';
import {
  CIRCUIT_KV_PREFIX,
  circuitBreakerOptions,
  reconcileDeliveryStates,
} from '../federation/delivery-state.ts';
import { encodeKey } from '../federation/kv/key-codec.ts';
import {
  findKnownInstance,
  listKnownInstances,
  recordDeliveryState,
  touchInstance,
} from '../models/instances.ops.ts';
import { kvSet } from '../models/kv.ops.ts';
import { loadConfig } from '../server/config.ts';
import { forEachDatabase } from './support/databases.ts';

const config = loadConfig({
  NODE_ENV: 'test',
  SECRET_KEY: 'k'.repeat(40),
  DATA_DIR: '/nonexistent-parvis-test',
});
const at = (s: string) => new Date(`2026-11-27T${s}Z`);

/**
 * The delivery state admins see: a mirror of Fedify's per-server circuit breaker, written by
 * its callbacks and corrected from the KV store when it drifted.
 */
forEachDatabase('delivery state of known servers', (get) => {
  afterEach(async () => {
    await get().db.execute(sql`DELETE FROM known_instances`);
    await get().db.execute(sql`DELETE FROM kv_entries`);
  });

  it('records an outage from its start, through probes, until the server is available again', async () => {
    const db = get().db;
    await touchInstance(db, 'social.example');
    await recordDeliveryState(db, 'social.example', 'unavailable', at('10:00:00'));
    await recordDeliveryState(db, 'social.example', 'probing', at('10:30:00'));
    await recordDeliveryState(db, 'social.example', 'unavailable', at('10:30:05'));
    let row = await findKnownInstance(db, 'social.example');
    assert.equal(row?.deliveryState, 'unavailable');
    assert.deepEqual(row?.unavailableSince, at('10:00:00'), 'the outage started with the first failure');
    assert.deepEqual(row?.deliveryStateChangedAt, at('10:30:05'));
    await recordDeliveryState(db, 'social.example', 'available', at('11:00:00'));
    row = await findKnownInstance(db, 'social.example');
    assert.equal(row?.deliveryState, 'available');
    assert.equal(row?.unavailableSince, null);
  });

  it('an older report arriving late never overwrites a newer one', async () => {
    const db = get().db;
    await recordDeliveryState(db, 'late.example', 'available', at('12:00:00'));
    await recordDeliveryState(db, 'late.example', 'unavailable', at('11:59:00'));
    assert.equal((await findKnownInstance(db, 'late.example'))?.deliveryState, 'available');
  });

  it('a server we never exchanged with gets a row when its state changes; the list filters by state', async () => {
    const db = get().db;
    await touchInstance(db, 'fine.example');
    await recordDeliveryState(db, 'new.example:8443', 'unavailable', at('09:00:00'));
    assert.deepEqual(
      (await listKnownInstances(db, { deliveryState: 'unavailable' })).map((i) => i.domain),
      ['new.example:8443'],
    );
    assert.deepEqual(
      (await listKnownInstances(db)).map((i) => i.domain),
      ['fine.example', 'new.example:8443'],
    );
  });

  it("Fedify's callbacks write the mirror and count activities given up", async () => {
    const options = circuitBreakerOptions(config, get());
    await options.onStateChange?.('cb.example', 'closed', 'open');
    assert.equal((await findKnownInstance(get().db, 'cb.example'))?.deliveryState, 'unavailable');
    const drop: CircuitBreakerActivityDrop = {
      inbox: new URL('https://cb.example/inbox'),
      activity: new Create({ id: new URL('https://town.example/posts/1#create') }),
      activityId: 'https://town.example/posts/1#create',
      activityType: 'https://www.w3.org/ns/activitystreams#Create',
      actorIds: [],
      heldSince: Temporal.Instant.from(
        '2026-11-20T10:00:00Z',
      ) as unknown as CircuitBreakerActivityDrop['heldSince'],
    };
    await options.onActivityDrop?.('cb.example', drop);
    await options.onActivityDrop?.('cb.example', drop);
    assert.equal((await findKnownInstance(get().db, 'cb.example'))?.droppedActivities, 2);
    await options.onStateChange?.('cb.example', 'open', 'half-open');
    assert.equal((await findKnownInstance(get().db, 'cb.example'))?.deliveryState, 'probing');
    await options.onStateChange?.('cb.example', 'half-open', 'closed');
    assert.equal((await findKnownInstance(get().db, 'cb.example'))?.deliveryState, 'available');
  });

  it('a mirror that drifted from the circuits in the KV store is corrected', async () => {
    const db = get().db;
    // Said unavailable, but its circuit is gone (expired): available.
    await recordDeliveryState(db, 'gone.example', 'unavailable', at('08:00:00'));
    // Said available, but its circuit is open (a lost callback): unavailable.
    await touchInstance(db, 'open.example');
    const opened = new Date().toISOString();
    await kvSet(
      db,
      encodeKey([...CIRCUIT_KV_PREFIX, 'open.example']),
      { state: 'open', failures: [opened], opened },
      null,
    );
    await reconcileDeliveryStates(get());
    assert.equal((await findKnownInstance(db, 'gone.example'))?.deliveryState, 'available');
    assert.equal((await findKnownInstance(db, 'open.example'))?.deliveryState, 'unavailable');
  });
});
