import { and, eq, lt, ne, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { sessions } from './schema/index.ts';

/** Browser sessions kept in the database, so every web process sees the same ones. */
export async function loadSession(db: Db, sid: string, now = new Date()): Promise<unknown | undefined> {
  const [row] = await db.select().from(sessions).where(eq(sessions.sid, sid));
  if (!row) return undefined;
  if (row.expiresAt <= now) {
    await db.delete(sessions).where(eq(sessions.sid, sid));
    return undefined;
  }
  return row.data;
}

export async function saveSession(db: Db, sid: string, data: unknown, expiresAt: Date): Promise<void> {
  await db
    .insert(sessions)
    .values({ sid, data, expiresAt })
    .onConflictDoUpdate({ target: sessions.sid, set: { data, expiresAt } });
}

export async function touchSession(db: Db, sid: string, expiresAt: Date): Promise<void> {
  await db.update(sessions).set({ expiresAt }).where(eq(sessions.sid, sid));
}

export async function destroySession(db: Db, sid: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.sid, sid));
}

export async function pruneSessions(db: Db, now = new Date()): Promise<number> {
  const rows = await db.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ sid: sessions.sid });
  return rows.length;
}

/** Logs an account out everywhere but `keepSid` (after a password change). */
export async function destroyOtherSessions(db: Db, accountId: string, keepSid: string): Promise<number> {
  const rows = await db
    .delete(sessions)
    .where(and(sql`${sessions.data} -> 'passport' ->> 'user' = ${accountId}`, ne(sessions.sid, keepSid)))
    .returning({ sid: sessions.sid });
  return rows.length;
}
