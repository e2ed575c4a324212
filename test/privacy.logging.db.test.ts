import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { getLogger, type LogRecord } from '@logtape/logtape';
import { signUp } from '../models/accounts.ops.ts';
import { DomainEvents } from '../models/events.ts';
import { accounts, personas } from '../models/schema/index.ts';
import { logger } from '../server/logging.ts';
import { newIdentity } from './support/api.ts';
import { forEachDatabase } from './support/databases.ts';
import { captureLogRecords, printedRecord } from './support/logs.ts';

const printed = (record: LogRecord) => printedRecord(record, 6);

forEachDatabase('errors in the logs carry no personal data', (get) => {
  const records = captureLogRecords();

  it('a failed query is logged with its SQL and error code, never its parameters or the row values', async () => {
    const db = get().db;
    const mailbox = `courriel${randomBytes(4).toString('hex')}`;
    const identity = { ...newIdentity('log'), email: `${mailbox}@mairie.example` };
    const created = await signUp({ db, events: new DomainEvents() }, identity);
    assert.ok(created.ok);
    // A real failure: the same e-mail again, without the sign-up's conflict handling.
    const error = await db
      .insert(accounts)
      .values({ email: identity.email, passwordHash: 'x', role: 'resident' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof Error, 'the duplicate insert failed');
    assert.ok(inspect(error, { depth: 6 }).includes(mailbox), 'unredacted, the error shows the e-mail');

    records.length = 0;
    logger('http').error('Unhandled error: {error}', { error });
    // Fedify's own categories go through the same sink.
    getLogger(['fedify', 'federation', 'inbox']).error('Failed: {error}', { error });
    assert.equal(records.length, 2);
    for (const record of records) {
      const text = printed(record);
      assert.ok(!text.includes(mailbox), `no e-mail in: ${text.slice(0, 300)}`);
      assert.ok(!text.includes(created.account.id), 'no account id');
      assert.match(text, /insert into "accounts"/, 'the SQL is kept for diagnosis');
      assert.match(text, /23505/, 'the SQLSTATE is kept');
    }
  });

  it('a failed query naming a persona id is logged without that id', async () => {
    const db = get().db;
    const created = await signUp({ db, events: new DomainEvents() }, newIdentity('logid'));
    assert.ok(created.ok);
    const error = await db
      .insert(personas)
      .values({ id: created.persona.id, accountId: created.account.id, handle: 'x', displayName: 'x' })
      .then(
        () => undefined,
        (e: unknown) => new Error('A handler failed', { cause: e }),
      );
    assert.ok(error instanceof Error);
    records.length = 0;
    logger('instance').error('A handler of {type} failed: {error}', { type: 'persona.created', error });
    const text = printed(records[0]!);
    assert.ok(!text.includes(created.persona.id), `no persona id in: ${text.slice(0, 300)}`);
    assert.ok(!text.includes(created.account.id), 'no account id');
    assert.match(text, /A handler failed/, 'the wrapping error keeps its message');
  });

  it('a failed query nested in an object, an array and a cause chain is logged without its values', async () => {
    const db = get().db;
    const mailbox = `imbrique${randomBytes(4).toString('hex')}`;
    const identity = { ...newIdentity('lognest'), email: `${mailbox}@mairie.example` };
    const created = await signUp({ db, events: new DomainEvents() }, identity);
    assert.ok(created.ok);
    const failure = await db
      .insert(accounts)
      .values({ email: identity.email, passwordHash: 'x', role: 'resident' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(failure instanceof Error, 'the duplicate insert failed');
    // The shapes a handler or a library may log: the error wrapped twice, inside an object inside
    // an array, next to the e-mail itself in a message and in a nested field.
    const wrapped = new Error(`Sign-up of ${identity.email} failed`, {
      cause: new Error('Transaction failed', { cause: failure }),
    });
    records.length = 0;
    logger('accounts').error('Batch failed: {results}', {
      results: [{ step: 'insert', error: wrapped, input: { account: { email: identity.email } } }],
    });
    assert.equal(records.length, 1);
    const text = printed(records[0]!);
    assert.ok(!text.includes(mailbox), `no e-mail in: ${text.slice(0, 400)}`);
    assert.ok(!text.includes(created.account.id), 'no account id');
    assert.match(text, /Transaction failed/, 'the chain keeps its messages');
    assert.match(text, /insert into "accounts"/, 'the SQL deep in the chain is kept');
    assert.match(text, /23505/, 'and so is the SQLSTATE');
  });
});
