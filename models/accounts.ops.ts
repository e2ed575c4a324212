import { eq, ne, sql, TransactionRollbackError } from 'drizzle-orm';
import type { Db } from './db.ts';
import type { DomainEvents } from './events.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import { insertPersona } from './personas.ops.ts';
import { type Account, accounts, type Persona, type Role } from './schema/index.ts';

export type SignUpInput = { email: string; password: string; handle: string; displayName: string };
export type SignUpResult =
  | { ok: true; account: Account; persona: Persona }
  | { ok: false; reason: 'email-taken' | 'handle-taken' };

/** Creates an account with its first persona, which becomes the active one. */
export async function signUp(
  ctx: { db: Db; events: DomainEvents },
  input: SignUpInput,
  role: Role = 'resident',
): Promise<SignUpResult> {
  const passwordHash = await hashPassword(input.password);
  const email = input.email.trim().toLowerCase();
  const result = await ctx.db
    .transaction(async (tx): Promise<SignUpResult> => {
      const [account] = await tx
        .insert(accounts)
        .values({ email, passwordHash, role })
        .onConflictDoNothing({ target: accounts.email })
        .returning();
      if (!account) return { ok: false, reason: 'email-taken' };
      const persona = await insertPersona(tx, account.id, {
        handle: input.handle,
        displayName: input.displayName,
      });
      if (!persona) {
        tx.rollback();
        return { ok: false, reason: 'handle-taken' };
      }
      const [updated] = await tx
        .update(accounts)
        .set({ activePersonaId: persona.id })
        .where(eq(accounts.id, account.id))
        .returning();
      return { ok: true, account: updated!, persona };
    })
    .catch((err: unknown) => {
      if (isRollback(err)) return { ok: false, reason: 'handle-taken' } as const;
      throw err;
    });
  if (result.ok) await ctx.events.emit({ type: 'persona.created', personaId: result.persona.id });
  return result;
}

// drizzle's rollback error is named 'DrizzleError', so check the class, not the name.
function isRollback(err: unknown): boolean {
  return err instanceof TransactionRollbackError;
}

export type AuthenticateResult =
  | { ok: true; account: Account }
  | { ok: false; reason: 'invalid' | 'suspended' };

/** Checks an e-mail and password; takes the same time whether or not the e-mail exists. */
export async function authenticate(db: Db, email: string, password: string): Promise<AuthenticateResult> {
  const [account] = await db.select().from(accounts).where(eq(accounts.email, email.trim().toLowerCase()));
  if (!account) {
    await verifyPassword(password, await dummyHash());
    return { ok: false, reason: 'invalid' };
  }
  if (!(await verifyPassword(password, account.passwordHash))) return { ok: false, reason: 'invalid' };
  if (account.suspendedAt) return { ok: false, reason: 'suspended' };
  return { ok: true, account };
}

export async function findAccount(db: Db, id: string): Promise<Account | undefined> {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, id));
  return account;
}

export async function findAccountByEmail(db: Db, email: string): Promise<Account | undefined> {
  const [account] = await db.select().from(accounts).where(eq(accounts.email, email.trim().toLowerCase()));
  return account;
}

export async function setRole(
  db: Db,
  accountId: string,
  role: Role,
): Promise<{ ok: true } | { ok: false; reason: 'not-found' }> {
  const rows = await db.update(accounts).set({ role }).where(eq(accounts.id, accountId)).returning();
  return rows.length ? { ok: true } : { ok: false, reason: 'not-found' };
}

export async function setPassword(db: Db, accountId: string, password: string): Promise<void> {
  await db
    .update(accounts)
    .set({ passwordHash: await hashPassword(password) })
    .where(eq(accounts.id, accountId));
}

export async function setLanguage(db: Db, accountId: string, language: 'fr' | 'en'): Promise<void> {
  await db.update(accounts).set({ language }).where(eq(accounts.id, accountId));
}

export async function countAccounts(db: Db, options: { excludeRole?: Role } = {}): Promise<number> {
  const query = db.select({ n: sql<number>`count(*)::int` }).from(accounts);
  const [row] = options.excludeRole ? await query.where(ne(accounts.role, options.excludeRole)) : await query;
  return row?.n ?? 0;
}

/** What the account's own settings show: the only place the e-mail appears. */
export function accountSelfView(account: Account) {
  return {
    email: account.email,
    role: account.role,
    language: account.language,
    createdAt: account.createdAt.toISOString(),
  };
}
