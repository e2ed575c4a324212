import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CircuitBreaker, type MessageQueue, verifyRequest } from '@fedify/fedify';
import { sql } from 'drizzle-orm';
import { CIRCUIT_KV_PREFIX, circuitBreakerOptions } from '../federation/delivery-state.ts';
import {
  parseRetryAfter,
  postSigned,
  prepareActivity,
  rsaSigningKey,
} from '../federation/direct-delivery.ts';
import { createKvStore, SIGNATURE_SPEC_PREFIX } from '../federation/kv/index.ts';
import { encodeKey } from '../federation/kv/key-codec.ts';
import {
  isOutboxBatch,
  MAX_BATCH,
  OUTBOX_BATCH_TYPE,
  PARTITIONS,
  partitionOf,
  withOutboxBatches,
} from '../federation/outbox-batches.ts';
import { DatabaseMessageQueue } from '../federation/queue/index.ts';
import type { Database } from '../models/db.ts';
import { findRemoteActorByIri, upsertRemoteActor } from '../models/federation.ops.ts';
import { blockDomain } from '../models/instances.ops.ts';
import { kvSet } from '../models/kv.ops.ts';
import { loadConfig } from '../server/config.ts';
import { forEachDatabase } from './support/databases.ts';

const config = loadConfig({
  NODE_ENV: 'test',
  SECRET_KEY: 'k'.repeat(40),
  DATA_DIR: '/nonexistent-parvis-test',
  FEDERATION_UNAVAILABLE_AFTER_FAILURES: '3',
});

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ACTOR = 'https://parvis.example/users/mairie';
const KEY_ID = `${ACTOR}#main-key`;
const KEYS = [{ keyId: KEY_ID, privateKey: privateKey.export({ format: 'jwk' }) as JsonWebKey }];

/** The key document Fedify's verifier fetches for our keyId. */
const keyDocumentLoader = async (url: string) => {
  assert.equal(url, KEY_ID);
  return {
    contextUrl: null,
    documentUrl: url,
    document: {
      '@context': 'https://w3id.org/security/v1',
      id: KEY_ID,
      type: 'CryptographicKey',
      owner: ACTOR,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
    },
  };
};

type Received = { url: string; headers: IncomingMessage['headers']; body: string; verified: boolean };

/** A real inbox server: records each POST, checks its signature with Fedify, answers `status()`. */
class Inbox {
  readonly received: Received[] = [];
  status: () => number = () => 202;
  #server: Server | undefined;
  origin = '';

  async start(): Promise<void> {
    this.#server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const url = `${this.origin}${req.url}`;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers.set(name, value);
      const key = await verifyRequest(new Request(url, { method: req.method, headers, body }), {
        documentLoader: keyDocumentLoader,
      }).catch(() => null);
      this.received.push({ url, headers: req.headers, body, verified: key?.id?.href === KEY_ID });
      res.statusCode = this.status();
      res.end();
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  get host(): string {
    return new URL(this.origin).host;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

/** Fedify's outbox messages of one send, as it builds them: one activity and keys object for all. */
function outboxMessages(inboxes: string[], activity: object, orderingKey?: string) {
  return inboxes.map((inbox) => ({
    message: {
      type: 'outbox',
      id: crypto.randomUUID(),
      baseUrl: 'https://parvis.example',
      keys: KEYS,
      activity,
      activityId: (activity as { id: string }).id,
      activityType: 'https://www.w3.org/ns/activitystreams#Create',
      inbox,
      sharedInbox: false,
      actorIds: [`${new URL(inbox).origin}/users/someone`],
      started: new Date().toISOString(),
      attempt: 0,
      headers: {},
      orderingKey: orderingKey === undefined ? undefined : `${orderingKey}\n${new URL(inbox).origin}`,
      traceContext: {},
    },
    orderingKey: orderingKey === undefined ? undefined : `${orderingKey}\n${new URL(inbox).origin}`,
  }));
}

const createActivity = (n = 1) => ({
  '@context': 'https://www.w3.org/ns/activitystreams',
  id: `${ACTOR}/posts/${n}#create`,
  type: 'Create',
  actor: ACTOR,
  object: { id: `${ACTOR}/posts/${n}`, type: 'Note', content: 'Conseil municipal jeudi' },
});

type QueuedJob = { message: Record<string, unknown>; ordering_key: string | null; delayed: boolean };

async function queuedJobs(database: Database): Promise<QueuedJob[]> {
  const result = await database.db.execute(
    sql`SELECT message, ordering_key, run_at > now() AS delayed FROM queue_jobs ORDER BY seq`,
  );
  return (result as unknown as { rows: QueuedJob[] }).rows;
}

/**
 * First attempts of a delivery leave as batches (federation/outbox-batches.ts): stored once
 * per batch, sent at once with a signature every server verifies, and what fails goes on as
 * one of Fedify's own deliveries.
 */
forEachDatabase('deliveries in batches', (get) => {
  let inner: DatabaseMessageQueue;
  let queue: MessageQueue;
  let circuit: CircuitBreaker;
  let controller: AbortController;
  let listening: Promise<void> | undefined;
  /** Messages the batches handed to Fedify's path, as Fedify's handler would receive them. */
  let handedOver: Record<string, unknown>[];

  beforeEach(() => {
    const database = get();
    inner = new DatabaseMessageQueue(database, {
      concurrency: 4,
      pollIntervalMs: 50,
      channel: 'batches_test',
    });
    const kv = createKvStore(database);
    circuit = new CircuitBreaker({
      kv,
      prefix: CIRCUIT_KV_PREFIX,
      options: circuitBreakerOptions(config, database),
    });
    queue = withOutboxBatches(inner, { db: database.db, userAgent: 'Parvis/test', circuitBreaker: circuit });
    handedOver = [];
    controller = new AbortController();
    listening = undefined;
  });
  afterEach(async () => {
    controller.abort();
    await listening;
    const db = get().db;
    await db.execute(sql`DELETE FROM queue_jobs`);
    await db.execute(sql`DELETE FROM kv_entries`);
    await db.execute(sql`DELETE FROM domain_blocks`);
    await db.execute(sql`DELETE FROM remote_actors`);
    await db.execute(sql`DELETE FROM known_instances`);
  });

  /** Runs the queue; messages that are not batches are recorded as handed over, not run. */
  function listen(): void {
    listening = queue.listen(
      (message) => {
        handedOver.push(message as Record<string, unknown>);
      },
      { signal: controller.signal },
    );
  }

  async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('stores a fan-out as batches, the activity once per batch, one ordered lane per partition of servers', async () => {
    const activity = createActivity();
    const inboxes = Array.from({ length: 400 }, (_, n) => `https://s${n}.example/inbox`);
    await Promise.all(
      outboxMessages(inboxes, activity, ACTOR).map((m) =>
        queue.enqueue(m.message, { orderingKey: m.orderingKey }),
      ),
    );
    const jobs = await queuedJobs(get());
    // One lane per partition, cut at MAX_BATCH inboxes.
    assert.ok(
      jobs.length <= PARTITIONS + inboxes.length / MAX_BATCH,
      `${jobs.length} jobs for ${inboxes.length} inboxes`,
    );
    const entries = jobs.flatMap((j) => {
      assert.equal(j.message.type, OUTBOX_BATCH_TYPE);
      assert.ok(isOutboxBatch(j.message));
      assert.ok(j.message.entries.length <= MAX_BATCH);
      assert.deepEqual(j.message.shared.activity, activity, 'the activity, once');
      for (const entry of j.message.entries)
        assert.equal(j.ordering_key, `${ACTOR}\n#${partitionOf(new URL(entry.inbox).origin)}`);
      return j.message.entries.map((e) => e.inbox);
    });
    assert.deepEqual(entries.sort(), [...inboxes].sort(), 'every inbox, once');

    // A later activity to the same server lands in the same lane, so it stays behind.
    await Promise.all(
      outboxMessages([inboxes[7]!], createActivity(2), ACTOR).map((m) =>
        queue.enqueue(m.message, { orderingKey: m.orderingKey }),
      ),
    );
    const later = (await queuedJobs(get())).at(-1);
    assert.equal(later?.ordering_key, `${ACTOR}\n#${partitionOf(new URL(inboxes[7]!).origin)}`);
  });

  it('without an ordering key, batches are cut at MAX_BATCH; retries and delayed messages are left alone', async () => {
    const inboxes = Array.from({ length: MAX_BATCH * 2 + 1 }, (_, n) => `https://t${n}.example/inbox`);
    const messages = outboxMessages(inboxes, createActivity()).map((m) => m.message);
    await queue.enqueueMany?.(messages);
    const retry = {
      ...outboxMessages(['https://r.example/inbox'], createActivity(3))[0]!.message,
      attempt: 1,
    };
    await queue.enqueue(retry);
    const jobs = await queuedJobs(get());
    assert.deepEqual(
      jobs.map((j) => (isOutboxBatch(j.message) ? j.message.entries.length : j.message.type)),
      [MAX_BATCH, MAX_BATCH, 1, 'outbox'],
    );
    assert.equal(jobs[3]?.message.attempt, 1);
  });

  it('posts to every inbox with a signature Fedify verifies, RFC 9421 first and draft-cavage where the server took it', async () => {
    const a = new Inbox();
    const b = new Inbox();
    await a.start();
    await b.start();
    try {
      await kvSet(
        get().db,
        encodeKey([...SIGNATURE_SPEC_PREFIX, b.origin]),
        'draft-cavage-http-signatures-12',
        null,
      );
      listen();
      const activity = createActivity();
      await Promise.all(
        outboxMessages([`${a.origin}/inbox`, `${b.origin}/users/x/inbox`], activity, ACTOR).map((m) =>
          queue.enqueue(m.message, { orderingKey: m.orderingKey }),
        ),
      );
      await until('both deliveries', () => a.received.length === 1 && b.received.length === 1);
      await until('the queue empty', async () => (await queuedJobs(get())).length === 0);
      for (const r of [...a.received, ...b.received]) {
        assert.ok(r.verified, `signature verified at ${r.url}`);
        assert.deepEqual(JSON.parse(r.body), activity);
        assert.equal(r.headers['content-type'], 'application/activity+json');
      }
      assert.ok(a.received[0]?.headers['signature-input'], 'RFC 9421 by default');
      assert.ok(a.received[0]?.headers['content-digest']);
      assert.equal(b.received[0]?.headers['signature-input'], undefined, 'draft-cavage where remembered');
      assert.match(
        String(b.received[0]?.headers.signature),
        /^keyId="[^"]+",algorithm="rsa-sha256",headers="\(request-target\) host date/,
      );
      assert.deepEqual(handedOver, [], 'nothing for the retrying path');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a 5xx or no answer: recorded as the server failing, then continued as Fedify’s first retry', async () => {
    const failing = new Inbox();
    await failing.start();
    const closed = new Inbox();
    await closed.start();
    const closedOrigin = closed.origin;
    await closed.close();
    try {
      failing.status = () => 503;
      listen();
      const activity = createActivity();
      await Promise.all(
        outboxMessages([`${failing.origin}/inbox`, `${closedOrigin}/inbox`], activity).map((m) =>
          queue.enqueue(m.message),
        ),
      );
      await until('two retries stored', async () => (await queuedJobs(get())).length === 2);
      const jobs = await queuedJobs(get());
      for (const job of jobs) {
        assert.equal(job.message.type, 'outbox');
        assert.equal(job.message.attempt, 1, 'as Fedify’s first retry');
        assert.ok(job.delayed, 'after a back-off');
        assert.deepEqual(job.message.activity, activity);
      }
      assert.equal(failing.received.length, 1, 'one attempt, not two');
      for (const host of [failing.host, new URL(closedOrigin).host]) {
        const state = await circuit.getState(host);
        assert.equal(state?.failures.length, 1, `one failure recorded for ${host}`);
      }
    } finally {
      await failing.close();
    }
  });

  it('410 from an actor’s own inbox: given up and the actor forgotten; 401: handed to Fedify’s path at once', async () => {
    const gone = new Inbox();
    const refusing = new Inbox();
    await gone.start();
    await refusing.start();
    try {
      gone.status = () => 410;
      refusing.status = () => 401;
      const ghost = `${gone.origin}/users/someone`;
      await upsertRemoteActor(get().db, {
        iri: ghost,
        handle: `@someone@${gone.host}`,
        type: 'Person',
        displayName: 'Ghost',
        summary: '',
        avatarUrl: null,
        url: null,
        inbox: `${gone.origin}/inbox`,
        sharedInbox: null,
      });
      listen();
      await Promise.all(
        outboxMessages([`${gone.origin}/inbox`, `${refusing.origin}/inbox`], createActivity()).map((m) =>
          queue.enqueue(m.message),
        ),
      );
      await until('the refused delivery handed over', () => handedOver.length === 1);
      assert.equal(handedOver[0]?.type, 'outbox');
      assert.equal(handedOver[0]?.inbox, `${refusing.origin}/inbox`);
      assert.equal(handedOver[0]?.attempt, 0, 'Fedify makes the attempt itself (double-knocking)');
      await until('the gone actor forgotten', async () => !(await findRemoteActorByIri(get().db, ghost)));
      assert.equal(gone.received.length, 1);
      await until('the queue empty', async () => (await queuedJobs(get())).length === 0);
    } finally {
      await gone.close();
      await refusing.close();
    }
  });

  it('a blocked server gets nothing; a server with a circuit state is left to Fedify without a request', async () => {
    const blocked = new Inbox();
    const troubled = new Inbox();
    const healthy = new Inbox();
    await Promise.all([blocked.start(), troubled.start(), healthy.start()]);
    try {
      await blockDomain(get().db, { domain: blocked.host, reason: 'test' });
      await circuit.recordFailure(troubled.host);
      listen();
      await Promise.all(
        outboxMessages(
          [`${blocked.origin}/inbox`, `${troubled.origin}/inbox`, `${healthy.origin}/inbox`],
          createActivity(),
        ).map((m) => queue.enqueue(m.message)),
      );
      await until(
        'the healthy one reached, the troubled one handed over',
        () => healthy.received.length === 1 && handedOver.length === 1,
      );
      assert.equal(handedOver[0]?.inbox, `${troubled.origin}/inbox`);
      assert.equal(troubled.received.length, 0);
      await until('the queue empty', async () => (await queuedJobs(get())).length === 0);
      assert.equal(blocked.received.length, 0);
    } finally {
      await Promise.all([blocked.close(), troubled.close(), healthy.close()]);
    }
  });
});

describe('direct delivery', () => {
  it('reads a Retry-After header and reports a refused connection without throwing', async () => {
    const inbox = new Inbox();
    await inbox.start();
    const origin = inbox.origin;
    await inbox.close();
    const signer = rsaSigningKey(KEYS);
    assert.ok(signer);
    const outcome = await postSigned(new URL(`${origin}/inbox`), prepareActivity(createActivity()), signer, {
      spec: 'rfc9421',
      userAgent: 'Parvis/test',
    });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.ok === false && outcome.status, undefined);
    assert.equal(rsaSigningKey([]), undefined, 'no RSA key, no direct delivery');
    assert.equal(parseRetryAfter('120'), 120_000);
    const inAMinute = parseRetryAfter(new Date(Date.now() + 60_000).toUTCString());
    assert.ok(inAMinute !== undefined && inAMinute > 55_000 && inAMinute <= 60_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});
