import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { dummyHash, hashPassword, verifyPassword } from '../../models/passwords.ts';
import type { IdentityDb } from '../db.ts';
import {
  type EnrolmentMethod,
  grants,
  letterRequests,
  operators,
  persons,
  statusEntries,
} from '../schema.ts';
import { bracketFor } from './brackets.ts';
import type { ServiceContext } from './context.ts';
import {
  constantTimeEqual,
  dedupKey,
  type LegalIdentity,
  letterCode,
  letterCodeHash,
  normaliseLetterCode,
  sha256,
} from './secrets.ts';

export const LETTER_MAX_ATTEMPTS = 5;
export const LETTER_VALID_DAYS = 30;
const DAY = 86_400_000;

export const legalIdentitySchema = z.object({
  familyName: z.string().trim().min(1).max(200),
  givenNames: z.string().trim().min(1).max(200),
  birthdate: z.iso.date(),
});

export async function createOperator(db: IdentityDb, email: string, password: string) {
  if (password.length < 12) return { ok: false as const, reason: 'password-too-short' as const };
  const existing = await db.select().from(operators).where(eq(operators.email, email.toLowerCase()));
  if (existing.length > 0) return { ok: false as const, reason: 'email-taken' as const };
  const [row] = await db
    .insert(operators)
    .values({ email: email.toLowerCase(), passwordHash: await hashPassword(password) })
    .returning({ id: operators.id });
  return { ok: true as const, operatorId: row!.id };
}

export async function authenticateOperator(db: IdentityDb, email: string, password: string) {
  const [row] = await db.select().from(operators).where(eq(operators.email, email.toLowerCase()));
  if (!row) {
    // As long as for a known e-mail, so timing does not tell which operator e-mails exist.
    await verifyPassword(password, await dummyHash());
    return undefined;
  }
  if (!(await verifyPassword(password, row.passwordHash))) return undefined;
  return { id: row.id, email: row.email };
}

/** Methods that check who the person is (documents at the desk, national eID). */
const provesIdentity = (method: EnrolmentMethod) => method === 'desk' || method === 'eid';

type Attributes = {
  district?: string;
  birthdate?: string;
};

export type EnrolResult =
  | { ok: true; personId: string; created: boolean }
  | { ok: false; reason: 'unknown-district' | 'outside-age-brackets' };

/**
 * Records (or completes) a person. The same de-duplication key means the same person: a
 * second enrolment adds what the new method verified instead of creating another voice.
 */
async function upsertPerson(
  ctx: ServiceContext,
  identity: LegalIdentity,
  method: EnrolmentMethod,
  attrs: Attributes,
): Promise<EnrolResult> {
  const now = ctx.now();
  if (attrs.district !== undefined && !ctx.config.districts.includes(attrs.district)) {
    return { ok: false, reason: 'unknown-district' };
  }
  const bracket = attrs.birthdate ? bracketFor(ctx.config.brackets, attrs.birthdate, now) : undefined;
  if (attrs.birthdate && !bracket) return { ok: false, reason: 'outside-age-brackets' };
  const key = dedupKey(ctx.secret, identity);
  const expiresAt = new Date(now.getTime() + ctx.config.enrolmentDays * DAY);
  return ctx.db.transaction(async (tx) => {
    const [existing] = await tx.select().from(persons).where(eq(persons.dedupKey, key)).for('update');
    const residence = attrs.district !== undefined ? { resident: true, district: attrs.district } : {};
    const age = bracket ? { ageMin: bracket.min, ageMax: bracket.max, ageBracketEndsAt: bracket.endsAt } : {};
    if (existing) {
      const methods = existing.methods.includes(method) ? existing.methods : [...existing.methods, method];
      // A letter proves an address, not who asked for it. When a method that checks identity
      // first reaches a letter-only record, whoever held that record's tokens and credentials
      // so far loses them: the person now proven takes the record over.
      if (!existing.methods.some(provesIdentity)) {
        await tx.update(statusEntries).set({ revoked: true }).where(eq(statusEntries.personId, existing.id));
        await tx.delete(grants).where(eq(grants.personId, existing.id));
      }
      await tx
        .update(persons)
        .set({
          ...residence,
          ...age,
          methods,
          status: 'active',
          expiresAt: expiresAt > existing.expiresAt ? expiresAt : existing.expiresAt,
        })
        .where(eq(persons.id, existing.id));
      return { ok: true as const, personId: existing.id, created: false };
    }
    const [row] = await tx
      .insert(persons)
      .values({ dedupKey: key, methods: [method], enrolledAt: now, expiresAt, ...residence, ...age })
      .returning({ id: persons.id });
    return { ok: true as const, personId: row!.id, created: true };
  });
}

/** Desk: an operator has checked documents in person. */
export function enrolAtDesk(ctx: ServiceContext, input: LegalIdentity & { district: string }) {
  return upsertPerson(ctx, input, 'desk', { district: input.district, birthdate: input.birthdate });
}

/** National eID: a verified birthdate, no address. */
export function enrolWithEid(ctx: ServiceContext, identity: LegalIdentity) {
  return upsertPerson(ctx, identity, 'eid', { birthdate: identity.birthdate });
}

/** Postal letter, step 1: the person declares an address in the town. */
export async function requestLetter(
  ctx: ServiceContext,
  input: LegalIdentity & { district: string; address: string },
): Promise<{ ok: true; requestId: string } | { ok: false; reason: 'unknown-district' }> {
  if (!ctx.config.districts.includes(input.district)) return { ok: false, reason: 'unknown-district' };
  const now = ctx.now();
  const [row] = await ctx.db
    .insert(letterRequests)
    .values({
      dedupKey: dedupKey(ctx.secret, input),
      district: input.district,
      // Kept only until the mail room prints the letter.
      mailingBlock: `${input.givenNames} ${input.familyName}\n${input.address}`,
      // Not usable until printed; printing sets the real code.
      codeHash: sha256(`unprinted:${crypto.randomUUID()}`),
      createdAt: now,
      expiresAt: new Date(now.getTime() + LETTER_VALID_DAYS * DAY),
    })
    .returning({ id: letterRequests.id });
  return { ok: true, requestId: row!.id };
}

export async function pendingLetters(db: IdentityDb) {
  return db
    .select({ id: letterRequests.id, createdAt: letterRequests.createdAt, district: letterRequests.district })
    .from(letterRequests)
    .where(sql`${letterRequests.mailingBlock} is not null and ${letterRequests.confirmedAt} is null`);
}

/**
 * Postal letter, step 2 (mail room): produces the code once, stores only its hash, and
 * forgets the mailing block once it is on paper.
 */
export async function printLetter(ctx: ServiceContext, requestId: string) {
  const code = letterCode();
  return ctx.db.transaction(async (tx) => {
    const [request] = await tx
      .select()
      .from(letterRequests)
      .where(eq(letterRequests.id, requestId))
      .for('update');
    if (!request || request.mailingBlock === null || request.confirmedAt) {
      return { ok: false as const, reason: 'not-found' as const };
    }
    await tx
      .update(letterRequests)
      .set({ codeHash: letterCodeHash(ctx.secret, requestId, code), mailingBlock: null, attempts: 0 })
      .where(eq(letterRequests.id, requestId));
    return { ok: true as const, code, mailingBlock: request.mailingBlock, expiresAt: request.expiresAt };
  });
}

export type ConfirmLetterResult =
  /**
   * `offer`: whether the person may be handed credentials now. Not when the record was already
   * proven by the desk or the eID: the letter adds residence, and the person signs in as usual.
   */
  | { ok: true; personId: string; offer: boolean }
  | { ok: false; reason: 'not-found' | 'expired' | 'too-many-attempts' | 'wrong-code' | 'unknown-district' };

/** Postal letter, step 3: the person types the code back; a limited number of attempts. */
export async function confirmLetter(
  ctx: ServiceContext,
  input: { requestId: string; code: string },
): Promise<ConfirmLetterResult> {
  const now = ctx.now();
  const outcome = await ctx.db.transaction(async (tx) => {
    const [request] = await tx
      .select()
      .from(letterRequests)
      .where(eq(letterRequests.id, input.requestId))
      .for('update');
    if (!request || request.confirmedAt || request.mailingBlock !== null)
      return { ok: false as const, reason: 'not-found' as const };
    if (request.expiresAt <= now) return { ok: false as const, reason: 'expired' as const };
    if (request.attempts >= LETTER_MAX_ATTEMPTS)
      return { ok: false as const, reason: 'too-many-attempts' as const };
    const typed = letterCodeHash(ctx.secret, request.id, normaliseLetterCode(input.code));
    if (!constantTimeEqual(typed, request.codeHash)) {
      await tx
        .update(letterRequests)
        .set({ attempts: request.attempts + 1 })
        .where(eq(letterRequests.id, request.id));
      return {
        ok: false as const,
        reason:
          request.attempts + 1 >= LETTER_MAX_ATTEMPTS
            ? ('too-many-attempts' as const)
            : ('wrong-code' as const),
      };
    }
    await tx.update(letterRequests).set({ confirmedAt: now }).where(eq(letterRequests.id, request.id));
    return { ok: true as const, dedupKey: request.dedupKey, district: request.district };
  });
  if (!outcome.ok) return outcome;
  return upsertPersonByKey(ctx, outcome.dedupKey, outcome.district);
}

async function upsertPersonByKey(
  ctx: ServiceContext,
  key: string,
  district: string,
): Promise<ConfirmLetterResult> {
  if (!ctx.config.districts.includes(district)) return { ok: false, reason: 'unknown-district' };
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + ctx.config.enrolmentDays * DAY);
  const deskProven = sql`${persons.methods} ? 'desk'`;
  const [row] = await ctx.db
    .insert(persons)
    .values({ dedupKey: key, methods: ['letter'], resident: true, district, enrolledAt: now, expiresAt })
    .onConflictDoUpdate({
      target: persons.dedupKey,
      // A letter proves an address, not who asked for it: it never changes what an operator
      // recorded at the desk after checking documents (district, status), so a stranger who
      // knows a person's name and birthdate cannot move them to another district.
      set: {
        resident: sql`case when ${deskProven} then ${persons.resident} else true end`,
        district: sql`case when ${deskProven} then ${persons.district} else ${district} end`,
        status: sql`case when ${deskProven} then ${persons.status} else 'active' end`,
        expiresAt: sql`case when ${deskProven} then ${persons.expiresAt} else greatest(${persons.expiresAt}, ${expiresAt.toISOString()}::timestamptz) end`,
        methods: sql`case when ${persons.methods} ? 'letter' then ${persons.methods} else ${persons.methods} || '["letter"]'::jsonb end`,
      },
    })
    .returning({ id: persons.id, methods: persons.methods });
  return { ok: true, personId: row!.id, offer: !row!.methods.some(provesIdentity) };
}
