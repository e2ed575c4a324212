import { inspect } from 'node:util';
import type { LogRecord } from '@logtape/logtape';
import { setupLogging } from '../../server/logging.ts';

/** The tests' logging: quiet unless TEST_LOG=debug|info (the root hooks, and after a capture). */
export async function restoreTestLogging(): Promise<void> {
  const level = process.env.TEST_LOG;
  if (level === 'debug' || level === 'info') await setupLogging(level);
  else await setupLogging('error', { quiet: true });
}

/**
 * Keeps every record the application logs (from debug up, through the application's own
 * logging set-up, redaction included) while the enclosing suite runs; the tests' logging is
 * restored after it. Returns the array the records are pushed to.
 */
export function captureLogRecords(): LogRecord[] {
  const records: LogRecord[] = [];
  before(async () => {
    await setupLogging('debug', { sink: (record) => records.push(record) });
  });
  after(restoreTestLogging);
  return records;
}

/** What the console sink would print of a record: its message parts and property values, inspected. */
export function printedRecord(record: LogRecord, depth = 20): string {
  return [...record.message, ...Object.values(record.properties)].map((v) => inspect(v, { depth })).join(' ');
}
