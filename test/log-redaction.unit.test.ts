import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { getLogger, type LogRecord } from '@logtape/logtape';
import { MAX_DEPTH, redactValue } from '../server/log-redaction.ts';
import { logger } from '../server/logging.ts';
import { captureLogRecords, printedRecord } from './support/logs.ts';

const EMAIL = 'lea.dupont@mairie.example';

/** What the console sink would print of a value. */
function shown(value: unknown): string {
  return inspect(value, { depth: 20 });
}

const printed = (record: LogRecord) => printedRecord(record);

describe('log redaction of nested values', () => {
  it('an error keeps its name, message and stack frames, with the e-mail in them replaced', () => {
    class DeliveryError extends Error {
      override name = 'DeliveryError';
    }
    const error = new DeliveryError(`No mailbox for ${EMAIL}`);
    const redacted = redactValue(error) as Error;
    assert.ok(redacted instanceof Error);
    assert.equal(redacted.name, 'DeliveryError');
    assert.equal(redacted.message, 'No mailbox for [email]');
    assert.match(redacted.stack ?? '', /^DeliveryError: No mailbox for \[email\]\n {4}at /);
    assert.match(redacted.stack ?? '', /log-redaction\.unit\.test\.ts/, 'the frames are kept');
    assert.ok(!shown(redacted).includes(EMAIL));
    assert.ok(shown(error).includes(EMAIL), 'the original error is left as it was');
  });

  it('an e-mail in the cause of a cause, or in an error’s own property, is replaced', () => {
    const root = Object.assign(new Error(`SMTP refused ${EMAIL}`), { recipient: { to: [EMAIL] } });
    const error = new Error('Sending failed', { cause: new Error('Retry failed', { cause: root }) });
    const text = shown(redactValue(error));
    assert.ok(!text.includes(EMAIL), text);
    assert.match(text, /Sending failed/);
    assert.match(text, /Retry failed/);
    assert.match(text, /SMTP refused \[email\]/);
    assert.match(text, /to: \[ '\[email\]' \]/);
  });

  it('objects inside objects and arrays lose their e-mails and their secret-named values', () => {
    const value = {
      request: {
        headers: {
          cookie: 'parvis.sid=s%3Aabc',
          authorization: 'Bearer xyz',
          'x-forwarded-for': '198.51.100.23',
          accept: 'application/activity+json',
        },
        body: { account: { email: 'x', passwordHash: '$argon2id$v=19$secret' } },
      },
      recipients: [{ address: `Léa <${EMAIL}>` }, [`cc: ${EMAIL}`]],
    };
    const text = shown(redactValue(value));
    for (const leak of ['abc', 'xyz', '198.51.100.23', 'argon2id', EMAIL])
      assert.ok(!text.includes(leak), `${leak} in ${text}`);
    assert.match(text, /accept: 'application\/activity\+json'/, 'harmless values stay');
    assert.match(text, /Léa <\[email\]>/);
    assert.match(text, /cookie: '\[redacted\]'/);
    assert.equal(value.request.headers.cookie, 'parvis.sid=s%3Aabc', 'the logged object itself is unchanged');
  });

  it('keeps fediverse handles and acct: URIs, replaces mailto: and addresses with accents', () => {
    const text =
      'from @alice@social.example (acct:bob@town.example) to mailto:zoé@mairie.example or élodie.r@ville.example';
    assert.equal(
      redactValue(text),
      'from @alice@social.example (acct:bob@town.example) to mailto:[email] or [email]',
    );
  });

  it('a cycle is cut, and what it points back to is printed redacted, never as the original', () => {
    const value: Record<string, unknown> = { contact: EMAIL };
    value.self = value;
    const error = new Error(`about ${EMAIL}`);
    (error as Error & { context?: unknown }).context = { error };
    const text = shown(redactValue([value, error]));
    assert.ok(!text.includes(EMAIL), text);
    assert.match(text, /\[circular\]/);
  });

  it('nesting deeper than the bound is replaced, not printed unchecked', () => {
    let deep: unknown = { contact: EMAIL };
    for (let i = 0; i < MAX_DEPTH + 4; i++) deep = { level: i, next: deep };
    const text = shown(redactValue(deep));
    assert.ok(!text.includes(EMAIL));
    assert.match(text, /\[too deep\]/);
    let chain: Error = new Error(`root ${EMAIL}`);
    for (let i = 0; i < MAX_DEPTH + 4; i++) chain = new Error(`wrap ${i}`, { cause: chain });
    assert.ok(!shown(redactValue(chain)).includes(EMAIL));
  });

  it('an AggregateError’s inner errors and a URL are redacted too; a throwing getter is dropped', () => {
    const aggregate = new AggregateError([new Error(`first ${EMAIL}`)], 'Several deliveries failed');
    assert.ok(!shown(redactValue({ aggregate })).includes(EMAIL));
    assert.equal(redactValue(new URL(`mailto:${EMAIL}`)), 'mailto:[email]');
    const url = new URL('https://social.example/@alice');
    assert.equal(redactValue(url), url);
    const tricky = {
      get contact(): string {
        throw new Error('no');
      },
    };
    assert.deepEqual(redactValue({ tricky }), { tricky: '[unreadable]' });
  });

  it('returns the very same values when nothing needs redacting, so ordinary logging copies nothing', () => {
    const error = new Error('Connection refused', { cause: new Error('ECONNREFUSED') });
    const value = {
      host: 'social.example',
      attempts: [1, 2],
      when: new Date(0),
      error,
      nested: { ok: true },
    };
    assert.equal(redactValue(value), value);
    assert.equal(redactValue(error), error);
    assert.equal(redactValue('plain text'), 'plain text');
  });
});

describe('log records are redacted at any depth, through LogTape', () => {
  const records = captureLogRecords();
  beforeEach(() => {
    records.length = 0;
  });

  it('a secret-named property is dropped from the properties and from the message that interpolates it', () => {
    logger('test').info('Token {token} for {handle} sent to {inbox}', {
      token: 'blind-token-value',
      handle: 'camille_b',
      inbox: 'https://social.example/inbox',
    });
    assert.equal(records.length, 1);
    const text = printed(records[0]!);
    assert.ok(!text.includes('blind-token-value'), text);
    assert.match(text, /camille_b/);
    assert.match(text, /https:\/\/social\.example\/inbox/);
  });

  it('Fedify’s logged request headers and a nested error reach the sink redacted', () => {
    getLogger(['fedify', 'sig', 'http']).warn('Failed to verify; no Signature header found.', {
      headers: { cookie: 'parvis.sid=s%3Asecret', 'x-forwarded-for': '203.0.113.9', host: 'town.example' },
    });
    logger('http').error('Unhandled error: {error}', {
      error: new Error('Render failed', { cause: { page: { owner: EMAIL } } }),
    });
    assert.equal(records.length, 2);
    const text = records.map(printed).join('\n');
    for (const leak of ['s%3Asecret', '203.0.113.9', EMAIL])
      assert.ok(!text.includes(leak), `${leak} in ${text}`);
    assert.match(text, /host: 'town\.example'/);
    assert.match(text, /Render failed/);
  });
});
