import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import {
  type Badge,
  type BadgeDisclosed,
  badgeRequests,
  badges,
  personas,
  usedCredentials,
} from './schema/index.ts';

/** What the verifier vouched for (shape of identity/verifier's badge; models import nothing from it). */
export type VerifiedBadge = {
  issuer: string;
  issuerName: string;
  type: string;
  disclosed: BadgeDisclosed;
  expiresAt: Date;
  holderKeyThumbprint: string;
  /** The credential's Token Status List entry, checked on a schedule by `badgesToRevoke`. */
  status?: { uri: string; idx: number };
};

export const BADGE_CLAIMS = ['resident_of', 'district', 'age_range'] as const;
export const BADGE_REQUEST_MINUTES = 10;

const DAY = 86_400_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** Opens an OpenID4VP request for a persona: a fresh single-use nonce and state. */
export async function createBadgeRequest(db: Db, personaId: string, claims: string[], now = new Date()) {
  const request = {
    state: randomBytes(24).toString('base64url'),
    nonce: randomBytes(24).toString('base64url'),
    personaId,
    claims,
    expiresAt: new Date(now.getTime() + BADGE_REQUEST_MINUTES * 60_000),
  };
  await db.insert(badgeRequests).values(request);
  return request;
}

/** A pending, unexpired request by its state (read only; it is spent in `storeBadge`). */
export async function findOpenBadgeRequest(db: Db, state: string, now = new Date()) {
  const [row] = await db
    .select()
    .from(badgeRequests)
    .where(
      and(eq(badgeRequests.state, state), isNull(badgeRequests.usedAt), gt(badgeRequests.expiresAt, now)),
    );
  return row;
}

export type StoreBadgeResult =
  | { ok: true; badge: Badge }
  | { ok: false; reason: 'request-used' | 'credential-already-used' | 'nothing-disclosed' | 'expired' };

class Refused extends Error {
  readonly reason: 'request-used' | 'credential-already-used';
  constructor(reason: 'request-used' | 'credential-already-used') {
    super(reason);
    this.reason = reason;
  }
}

/**
 * Records a verified badge in one transaction: spends the request, spends the credential
 * (single use across every persona), stores the badge. Any refusal writes nothing.
 */
export async function storeBadge(
  db: Db,
  input: {
    state: string;
    credentialId: string;
    verified: VerifiedBadge;
    /** The response code the owner's browser must bring back (`confirmBadge`); stored hashed. */
    responseCode?: string;
  },
  now = new Date(),
): Promise<StoreBadgeResult> {
  const disclosed: BadgeDisclosed = {};
  for (const claim of BADGE_CLAIMS) {
    const value = input.verified.disclosed[claim];
    if (value !== undefined) disclosed[claim] = value;
  }
  if (Object.keys(disclosed).length === 0) return { ok: false, reason: 'nothing-disclosed' };
  if (input.verified.expiresAt <= now) return { ok: false, reason: 'expired' };
  try {
    return await db.transaction(async (tx) => {
      const [request] = await tx
        .update(badgeRequests)
        .set({ usedAt: now })
        .where(
          and(
            eq(badgeRequests.state, input.state),
            isNull(badgeRequests.usedAt),
            gt(badgeRequests.expiresAt, now),
          ),
        )
        .returning();
      if (!request) throw new Refused('request-used');
      const spent = await tx
        .insert(usedCredentials)
        .values({ credentialHash: input.credentialId, expiresAt: input.verified.expiresAt })
        .onConflictDoNothing()
        .returning();
      if (spent.length === 0) throw new Refused('credential-already-used');
      const [badge] = await tx
        .insert(badges)
        .values({
          personaId: request.personaId,
          issuer: input.verified.issuer,
          issuerName: input.verified.issuerName,
          type: input.verified.type,
          disclosed,
          expiresAt: input.verified.expiresAt,
          holderKeyThumbprint: input.verified.holderKeyThumbprint,
          verifiedOn: new Date(Math.floor(now.getTime() / DAY) * DAY),
          statusUri: input.verified.status?.uri ?? null,
          statusIdx: input.verified.status?.idx ?? null,
          pendingCodeHash: input.responseCode ? sha256(input.responseCode) : null,
          pendingUntil: input.responseCode ? new Date(now.getTime() + BADGE_REQUEST_MINUTES * 60_000) : null,
        })
        .returning();
      return { ok: true as const, badge: badge! };
    });
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.reason };
    throw error;
  }
}

export type ConfirmBadgeResult =
  | { ok: true; personaId: string }
  | { ok: false; reason: 'not-found' | 'not-yours' };

/**
 * The owner's browser brings back the response code: the badge shows from now on. Brought by
 * another account (someone handed the owner's wallet link to another person, whose credential
 * answered it), the badge is deleted instead: a badge belongs to whoever's credential it is.
 */
export async function confirmBadge(
  db: Db,
  accountId: string,
  responseCode: string,
  now = new Date(),
): Promise<ConfirmBadgeResult> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: badges.id, personaId: badges.personaId, accountId: personas.accountId })
      .from(badges)
      .innerJoin(personas, eq(personas.id, badges.personaId))
      .where(and(eq(badges.pendingCodeHash, sha256(responseCode)), gt(badges.pendingUntil, now)))
      .for('update');
    if (!row) return { ok: false, reason: 'not-found' };
    if (row.accountId !== accountId) {
      await tx.delete(badges).where(eq(badges.id, row.id));
      return { ok: false, reason: 'not-yours' };
    }
    await tx.update(badges).set({ pendingCodeHash: null, pendingUntil: null }).where(eq(badges.id, row.id));
    return { ok: true, personaId: row.personaId };
  });
}

export type BadgeView = {
  id: string;
  issuerName: string;
  issuerUrl: string;
  label: string;
  residentOf?: string;
  district?: string;
  ageRange?: string;
  expiresAt: Date;
};

/**
 * A badge as anyone may see it (a persona's page, its public JSON): no thumbprint, no status
 * entry, no verification date, and the expiry only to the month, so that dates cannot match
 * one persona's badges to another's.
 */
export type PublicBadge = Omit<BadgeView, 'expiresAt'> & { expiresMonth: string };

export function publicBadge(badge: BadgeView): PublicBadge {
  const { expiresAt, ...rest } = badge;
  return { ...rest, expiresMonth: expiresAt.toISOString().slice(0, 7) };
}

/** Whether a badge vouches for a declared district: same name, ignoring case and accents. */
export function badgeVouchesFor(badges: readonly { district?: string }[], districtName: string): boolean {
  const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();
  return badges.some((b) => b.district !== undefined && fold(b.district) === fold(districtName));
}

/** "30-39" → "30–39 ans" / "aged 30–39"; "65+" → "65 ans et plus" / "aged 65+". */
function ageText(range: string, lang: 'fr' | 'en'): string {
  const open = range.endsWith('+');
  const shown = range.replace('-', '–');
  if (lang === 'en') return `aged ${shown}`;
  return open ? `${range.slice(0, -1)} ans et plus` : `${shown} ans`;
}

type LabelInput =
  | Pick<Badge, 'disclosed'>
  | { residentOf?: string | undefined; district?: string | undefined; ageRange?: string | undefined };

/**
 * "Résident·e vérifié·e — quartier Centre — 30–39 ans" (or its English). Takes a stored badge
 * or a `BadgeView` from `listActiveBadges`.
 */
export function badgeLabel(badge: LabelInput, lang: 'fr' | 'en' = 'fr'): string {
  const claims =
    'disclosed' in badge
      ? {
          residentOf: badge.disclosed.resident_of,
          district: badge.disclosed.district,
          ageRange: badge.disclosed.age_range,
        }
      : badge;
  const parts: string[] = [];
  if (claims.residentOf) parts.push(lang === 'fr' ? 'Résident·e vérifié·e' : 'Verified resident');
  else parts.push(lang === 'fr' ? 'Âge vérifié' : 'Verified age');
  if (claims.district)
    parts.push(lang === 'fr' ? `quartier ${claims.district}` : `${claims.district} district`);
  if (claims.ageRange) parts.push(ageText(claims.ageRange, lang));
  return parts.join(' — ');
}

/** A persona's unexpired badges, for its page, its API and its ActivityPub actor. */
export async function listActiveBadges(
  db: Db,
  personaId: string,
  options: { lang?: 'fr' | 'en'; now?: Date } = {},
): Promise<BadgeView[]> {
  const rows = await db
    .select()
    .from(badges)
    .where(
      and(
        eq(badges.personaId, personaId),
        gt(badges.expiresAt, options.now ?? new Date()),
        isNull(badges.pendingCodeHash),
      ),
    )
    .orderBy(asc(badges.expiresAt));
  return rows.map((b) => ({
    id: b.id,
    issuerName: b.issuerName,
    issuerUrl: b.issuer,
    label: badgeLabel(b, options.lang),
    ...(b.disclosed.resident_of ? { residentOf: b.disclosed.resident_of } : {}),
    ...(b.disclosed.district ? { district: b.disclosed.district } : {}),
    ...(b.disclosed.age_range ? { ageRange: b.disclosed.age_range } : {}),
    expiresAt: b.expiresAt,
  }));
}

/** The resident removes a badge from one of their personas. */
export async function removeBadge(db: Db, personaId: string, badgeId: string) {
  const removed = await db
    .delete(badges)
    .where(and(eq(badges.id, badgeId), eq(badges.personaId, personaId)))
    .returning({ id: badges.id });
  return removed.length > 0 ? { ok: true as const } : { ok: false as const, reason: 'not-found' as const };
}

/** Removes every badge of a persona (called when the persona is deleted). */
export async function removePersonaBadges(db: Db, personaId: string) {
  await db.delete(badges).where(eq(badges.personaId, personaId));
  await db.delete(badgeRequests).where(eq(badgeRequests.personaId, personaId));
}

/**
 * Deletes expired badges (and any left on a deleted persona), spent requests and expired
 * used-credential entries. Returns the personas whose badges changed, for actor updates.
 */
export async function expireBadges(db: Db, now = new Date()) {
  const gone = await db
    .delete(badges)
    .where(
      sql`${lt(badges.expiresAt, now)} or ${lt(badges.pendingUntil, now)} or ${badges.personaId} in (select ${personas.id} from ${personas} where ${isNotNull(personas.deletedAt)})`,
    )
    .returning({ id: badges.id, personaId: badges.personaId });
  await db.delete(badgeRequests).where(sql`${badgeRequests.expiresAt} < ${now.toISOString()}::timestamptz`);
  await db.delete(usedCredentials).where(lt(usedCredentials.expiresAt, now));
  return { removed: gone.length, personaIds: [...new Set(gone.map((b) => b.personaId))] };
}

/** The status lists the stored badges point into, each once, with its issuer. */
export async function badgeStatusLists(db: Db): Promise<{ issuer: string; uri: string }[]> {
  const rows = await db
    .selectDistinct({ issuer: badges.issuer, uri: badges.statusUri })
    .from(badges)
    .where(isNotNull(badges.statusUri));
  return rows.flatMap((r) => (r.uri ? [{ issuer: r.issuer, uri: r.uri }] : []));
}

/**
 * Removes the badges of one issuer's status list whose entry the list marks INVALID (1).
 * `statusOf` reads the freshly fetched list; an index it cannot read keeps its badge.
 */
export async function removeRevokedBadges(
  db: Db,
  list: { issuer: string; uri: string },
  statusOf: (idx: number) => number,
): Promise<{ removed: number; personaIds: string[] }> {
  const rows = await db
    .select({ id: badges.id, idx: badges.statusIdx })
    .from(badges)
    .where(and(eq(badges.issuer, list.issuer), eq(badges.statusUri, list.uri)));
  const revoked = rows.filter((r) => r.idx !== null && readStatus(statusOf, r.idx) === STATUS_INVALID);
  if (revoked.length === 0) return { removed: 0, personaIds: [] };
  const gone = await db
    .delete(badges)
    .where(
      inArray(
        badges.id,
        revoked.map((r) => r.id),
      ),
    )
    .returning({ personaId: badges.personaId });
  return { removed: gone.length, personaIds: [...new Set(gone.map((b) => b.personaId))] };
}

const STATUS_INVALID = 1;

function readStatus(statusOf: (idx: number) => number, idx: number): number | undefined {
  try {
    return statusOf(idx);
  } catch {
    // An index past the list's end is the issuer's error, not a revocation.
    return undefined;
  }
}
