import { DrizzleQueryError } from 'drizzle-orm';

/**
 * What a log record may carry, whatever depth a value sits at: every string loses its e-mail
 * addresses, every property whose name says "secret" (password, token, cookie, e-mail, a
 * forwarded client address…) loses its value, and errors lose the parts that quote data.
 * Values are copied only where something changes, so an ordinary record costs one walk.
 */

export const REDACTED = '[redacted]';
export const EMAIL_MARK = '[email]';
const CIRCULAR = '[circular]';
const TOO_DEEP = '[too deep]';
const UNREADABLE = '[unreadable]';

/** Nesting beyond this is not walked: it is replaced, never printed unchecked. */
export const MAX_DEPTH = 8;

/**
 * An e-mail address, Unicode letters included. Not a fediverse handle (`@name@host`) nor an
 * `acct:` URI: those name public actors and are what a diagnosis of federation needs. The
 * look-behind keeps the match from starting inside a run, so the scan stays linear.
 */
const EMAIL = /(?<![\p{L}\p{N}._%+@-])(?<!acct:)[\p{L}\p{N}._%+-]+@(?:[\p{L}\p{N}-]+\.)+\p{L}{2,}/gu;

/** Property names (lower-cased, letters only) whose values are never logged. */
const SECRET_NAME =
  /password|passphrase|secret|token|authorization|cookie|privatekey|apikey|credential|sessionid|email|forwarded|realip|clientip|connectingip|remoteaddr|^ips?$/;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name.toLowerCase().replace(/[^a-z]/g, ''));
}

export function redactText(text: string): string {
  return text.includes('@') ? text.replace(EMAIL, EMAIL_MARK) : text;
}

/** Originals already handled in one record → their redacted form (shared values are walked once). */
type Seen = Map<object, unknown>;
const IN_PROGRESS = Symbol('in progress');

/** `value` as it may be logged (the same value when nothing in it needed redacting). */
export function redactValue(value: unknown, seen: Seen = new Map()): unknown {
  return walk(value, 0, seen);
}

function walk(value: unknown, depth: number, seen: Seen): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) {
    const known = seen.get(value);
    // A cycle: pointing back at the original would print it unredacted.
    return known === IN_PROGRESS ? CIRCULAR : known;
  }
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  seen.set(value, IN_PROGRESS);
  let result: unknown;
  try {
    result = redactObject(value, depth, seen);
  } catch {
    // A getter or proxy that throws: the value is dropped rather than printed unchecked.
    result = UNREADABLE;
  }
  seen.set(value, result);
  return result;
}

function redactObject(value: object, depth: number, seen: Seen): unknown {
  if (value instanceof Error) return redactError(value, depth, seen);
  if (Array.isArray(value)) return redactArray(value, depth, seen);
  if (value instanceof URL) {
    const href = redactText(value.href);
    return href === value.href ? value : href;
  }
  if (value instanceof Headers) return redactPlain(Object.fromEntries(value.entries()), depth, seen);
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return redactPlain(value, depth, seen);
  // Class instances (dates, Fedify's vocabulary objects, buffers…) print through their own
  // inspection and hold no account data.
  return value;
}

function redactArray(items: readonly unknown[], depth: number, seen: Seen): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = walk(items[i], depth + 1, seen);
    if (item !== items[i] && !copy) copy = items.slice(0, i);
    copy?.push(item);
  }
  return copy ?? (items as unknown[]);
}

function redactPlain(object: object, depth: number, seen: Seen): object {
  const entries = Object.entries(object);
  let changed = false;
  const redacted = entries.map(([key, item]) => {
    const next = isSecretName(key) ? REDACTED : walk(item, depth + 1, seen);
    if (next !== item) changed = true;
    return [key, next] as const;
  });
  return changed ? Object.fromEntries(redacted) : object;
}

type DatabaseErrorLike = Error &
  Partial<Record<'code' | 'detail' | 'constraint' | 'table' | 'column' | 'severity', unknown>>;

/** pg's and PGlite's errors: a SQLSTATE code, and a `detail` that may quote row values. */
function isDatabaseError(error: Error): error is DatabaseErrorLike {
  const e = error as DatabaseErrorLike;
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && 'detail' in e;
}

/**
 * An error keeps its name, message, stack and cause, redacted. A failed query's message lists
 * its parameters (e-mails, password hashes, persona and account ids) and a database error's
 * `detail` repeats the offending values ("Key (email)=(…) already exists"): both are dropped; the
 * SQL, the error code and the constraint stay, which is what a diagnosis needs.
 */
function redactError(error: Error, depth: number, seen: Seen): Error {
  const cause = walk(error.cause, depth + 1, seen);
  if (error instanceof DrizzleQueryError) {
    return rebuilt(error, `Failed query: ${redactText(error.query)}`, cause, {});
  }
  if (isDatabaseError(error)) {
    const kept: Record<string, unknown> = {};
    for (const key of ['code', 'constraint', 'table', 'column', 'severity'] as const) {
      if (typeof error[key] === 'string') kept[key] = redactText(error[key]);
    }
    return rebuilt(error, redactText(error.message), cause, kept);
  }
  const message = redactText(error.message);
  const stack = error.stack === undefined ? undefined : redactText(error.stack);
  let changed = message !== error.message || stack !== error.stack || cause !== error.cause;
  const own: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(error)) {
    if (key === 'cause') continue;
    const next = isSecretName(key) ? REDACTED : walk(item, depth + 1, seen);
    if (next !== item) changed = true;
    own[key] = next;
  }
  // AggregateError's `errors` is not enumerable, so it is walked on its own.
  if (error instanceof AggregateError) {
    const errors = walk(error.errors, depth + 1, seen);
    if (errors !== error.errors) changed = true;
    own.errors = errors;
  }
  if (!changed) return error;
  const copy = rebuilt(error, message, cause, own);
  if (stack !== undefined) copy.stack = stack;
  return copy;
}

/** A plain Error with the original's name, the given message and cause, and its stack frames. */
function rebuilt(original: Error, message: string, cause: unknown, own: Record<string, unknown>): Error {
  const copy = new Error(message, cause === undefined ? undefined : { cause });
  Object.defineProperty(copy, 'name', { value: original.name, configurable: true, writable: true });
  const stack = original.stack ?? '';
  const frames = stack.indexOf('\n    at ');
  copy.stack = `${original.name}: ${message}${frames >= 0 ? redactText(stack.slice(frames)) : ''}`;
  for (const [key, item] of Object.entries(own)) {
    Object.defineProperty(copy, key, { value: item, enumerable: true, configurable: true, writable: true });
  }
  return copy;
}
