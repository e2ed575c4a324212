import { AsyncLocalStorage } from 'node:async_hooks';
import {
  configure,
  getConsoleSink,
  getLogger,
  type LogLevel,
  type LogRecord,
  reset,
  type Sink,
} from '@logtape/logtape';
import { isSecretName, REDACTED, redactValue } from './log-redaction.ts';

let configured = false;

/**
 * Configures LogTape once per process (Fedify logs through it too). Log lines never carry an
 * e-mail, an IP address or anything that ties a persona to an account: every record goes
 * through `redactRecord` first (see `log-redaction.ts`). `sink` replaces the console (tests read what would be printed).
 */
export async function setupLogging(
  level: LogLevel,
  options: { quiet?: boolean; sink?: Sink } = {},
): Promise<void> {
  if (configured) await reset();
  configured = true;
  const out = options.sink ?? getConsoleSink();
  const sinks = options.quiet ? [] : ['out'];
  await configure({
    sinks: { out: (record: LogRecord) => out(redactRecord(record)) },
    contextLocalStorage: new AsyncLocalStorage(),
    loggers: [
      { category: ['logtape', 'meta'], lowestLevel: 'warning', sinks },
      { category: ['parvis'], lowestLevel: level, sinks },
      { category: ['fedify'], lowestLevel: level === 'debug' ? 'info' : 'warning', sinks },
    ],
  });
}

export function logger(...category: string[]) {
  return getLogger(['parvis', ...category]);
}

/**
 * A record as it may be printed: its text, interpolated values and properties go through
 * `redactValue` (e-mails, secrets and the data errors quote, at any depth), and a property whose
 * name says it is secret is dropped — also where the message interpolates it.
 */
export function redactRecord(record: LogRecord): LogRecord {
  const seen = new Map<object, unknown>();
  const secrets = new Set<unknown>();
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record.properties)) {
    if (isSecretName(key)) {
      secrets.add(value);
      properties[key] = REDACTED;
    } else properties[key] = redactValue(value, seen);
  }
  // The message alternates the template's text (even indices) and the interpolated values.
  const message = record.message.map((part, i) =>
    i % 2 === 1 && secrets.has(part) ? REDACTED : redactValue(part, seen),
  );
  return { ...record, message, properties };
}
