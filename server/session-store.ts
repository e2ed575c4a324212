import session from 'express-session';
import type { Db } from '../models/db.ts';
import { destroySession, loadSession, saveSession, touchSession } from '../models/sessions.ops.ts';

const DEFAULT_TTL_MS = 14 * 24 * 3600 * 1000;

function expiry(sess: session.SessionData): Date {
  const expires = sess.cookie?.expires;
  return expires ? new Date(expires) : new Date(Date.now() + DEFAULT_TTL_MS);
}

/** express-session store on the platform database (PGlite or PostgreSQL). */
export class DatabaseSessionStore extends session.Store {
  #db: Db;

  constructor(db: Db) {
    super();
    this.#db = db;
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    loadSession(this.#db, sid).then(
      (data) => cb(null, (data as session.SessionData | undefined) ?? null),
      (err) => cb(err),
    );
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    saveSession(this.#db, sid, sess, expiry(sess)).then(
      () => cb?.(),
      (err) => cb?.(err),
    );
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    destroySession(this.#db, sid).then(
      () => cb?.(),
      (err) => cb?.(err),
    );
  }

  override touch(sid: string, sess: session.SessionData, cb?: () => void): void {
    touchSession(this.#db, sid, expiry(sess)).then(
      () => cb?.(),
      () => cb?.(),
    );
  }
}
