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
import { DrizzleQueryError } from 'drizzle-orm';

let configured = false;

/**
 * Configures LogTape once per process (Fedify logs through it too). Log lines never carry an
 * e-mail, an IP address or anything that ties a persona to an account: every record goes
 * through `redactRecord` first. `sink` replaces the console (tests read what would be printed).
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

/** A record whose interpolated values and properties went through `loggableError`. */
export function redactRecord(record: LogRecord): LogRecord {
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record.properties)) properties[key] = loggableError(value);
  return { ...record, message: record.message.map((part) => loggableError(part)), properties };
}

/**
 * An error as it may be logged. A failed query's message lists its parameters (e-mails,
 * password hashes, persona and account ids) and a database error's `detail` repeats the
 * offending values ("Key (email)=(…) already exists"): both are dropped, the SQL, the error
 * code and the constraint stay, which is what a diagnosis needs. Anything else is unchanged.
 */
export function loggableError(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error) || depth > 5) return value;
  if (value instanceof DrizzleQueryError) {
    return rebuilt(value, `Failed query: ${value.query}`, loggableError(value.cause, depth + 1));
  }
  if (isDatabaseError(value)) {
    const copy = rebuilt(value, value.message, loggableError(value.cause, depth + 1));
    for (const key of ['code', 'constraint', 'table', 'column', 'severity'] as const) {
      if (typeof value[key] === 'string')
        Object.defineProperty(copy, key, { value: value[key], enumerable: true });
    }
    return copy;
  }
  const cause = loggableError(value.cause, depth + 1);
  return cause === value.cause ? value : rebuilt(value, value.message, cause);
}

type DatabaseErrorLike = Error &
  Partial<Record<'code' | 'detail' | 'constraint' | 'table' | 'column' | 'severity', unknown>>;

/** pg's and PGlite's errors: a SQLSTATE code, and a `detail` that may quote row values. */
function isDatabaseError(error: Error): error is DatabaseErrorLike {
  const e = error as DatabaseErrorLike;
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && 'detail' in e;
}

/** A plain Error with the same name, the given message, the original's stack frames and cause. */
function rebuilt(original: Error, message: string, cause: unknown): Error {
  const copy = new Error(message, cause === undefined ? undefined : { cause });
  copy.name = original.name;
  const stack = original.stack ?? '';
  const frames = stack.indexOf('\n    at ');
  copy.stack = `${original.name}: ${message}${frames >= 0 ? stack.slice(frames) : ''}`;
  return copy;
}
