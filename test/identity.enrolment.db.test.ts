import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { eq } from 'drizzle-orm';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { decodeDisclosures, generateHolderKey } from '../identity/holder/holder.ts';
import { grants, issuerKeys, letterRequests, persons, statusEntries } from '../identity/schema.ts';
import type { ServiceContext } from '../identity/service/context.ts';
import {
  confirmLetter,
  enrolAtDesk,
  enrolWithEid,
  LETTER_MAX_ATTEMPTS,
  printLetter,
  requestLetter,
} from '../identity/service/enrolment.ops.ts';
import { createCredentialOffer, purgeExpired } from '../identity/service/grants.ops.ts';
import { issueBatch, maxLiveCredentials } from '../identity/service/issuance.ops.ts';
import { activeSigningKey, publishedKeys, rotateSigningKey } from '../identity/service/keys.ops.ts';
import { disclosableCombinations } from '../identity/service/population.ops.ts';
import { revokePerson, signedStatusList } from '../identity/service/status.ops.ts';
import { databaseKinds } from './support/databases.ts';
import { identityTestConfig, openIdentityTestDb, testContext } from './support/identity-service.ts';

const DAY = 86_400_000;
let people = 0;
const someone = (birthdate = '1990-04-12') => ({
  familyName: `Martin-${++people}`,
  givenNames: 'Camille',
  birthdate,
});

for (const kind of databaseKinds()) {
  describe(`identity enrolment and issuance (${kind})`, () => {
    let opened: Awaited<ReturnType<typeof openIdentityTestDb>>;
    let ctx: ServiceContext;
    const now = new Date('2026-11-27T14:00:00Z');

    before(async () => {
      opened = await openIdentityTestDb(kind);
      ctx = testContext(opened.handle, identityTestConfig(), () => now);
    });
    after(async () => {
      await opened.drop();
    });

    it('records a desk enrolment with only the listed attributes: no name, birthdate or address', async () => {
      const person = someone();
      const result = await enrolAtDesk(ctx, { ...person, district: 'Centre' });
      assert.ok(result.ok && result.created);
      const [row] = await ctx.db.select().from(persons).where(eq(persons.id, result.personId));
      assert.ok(row);
      assert.deepEqual(Object.keys(row).sort(), [
        'ageBracketEndsAt',
        'ageMax',
        'ageMin',
        'dedupKey',
        'district',
        'enrolledAt',
        'expiresAt',
        'id',
        'methods',
        'resident',
        'status',
      ]);
      assert.equal(row.ageMin, 30);
      assert.equal(row.ageMax, 39);
      // The bracket ends on the 40th birthday, stored only to the month.
      assert.equal(row.ageBracketEndsAt?.toISOString(), '2030-04-01T00:00:00.000Z');
      const text = JSON.stringify(row);
      for (const secret of [person.familyName, person.givenNames, person.birthdate])
        assert.ok(!text.includes(secret));
    });

    it('treats a person enrolled by eID and then at the desk as one person', async () => {
      const person = someone('1980-02-02');
      const first = await enrolWithEid(ctx, person);
      const second = await enrolAtDesk(ctx, {
        ...person,
        familyName: person.familyName.toUpperCase(),
        district: 'Gare',
      });
      assert.ok(first.ok && second.ok);
      assert.equal(second.personId, first.personId);
      assert.equal(second.created, false);
      const [row] = await ctx.db.select().from(persons).where(eq(persons.id, first.personId));
      assert.deepEqual(row?.methods, ['eid', 'desk']);
      assert.equal(row?.district, 'Gare');
    });

    it('refuses an unknown district and a person younger than the first bracket, recording nothing', async () => {
      const before = (await ctx.db.select().from(persons)).length;
      const district = await enrolAtDesk(ctx, { ...someone(), district: 'Atlantis' });
      const young = await enrolAtDesk(ctx, { ...someone('2015-01-01'), district: 'Centre' });
      assert.deepEqual(district, { ok: false, reason: 'unknown-district' });
      assert.deepEqual(young, { ok: false, reason: 'outside-age-brackets' });
      assert.equal((await ctx.db.select().from(persons)).length, before);
    });

    it('confirms residence with the letter code and forgets the address once printed', async () => {
      const person = someone();
      const request = await requestLetter(ctx, {
        ...person,
        district: 'Les Prés',
        address: '3 rue des Lilas',
      });
      assert.ok(request.ok);
      const printed = await printLetter(ctx, request.requestId);
      assert.ok(printed.ok);
      assert.match(printed.mailingBlock, /3 rue des Lilas/);
      const [pending] = await ctx.db
        .select()
        .from(letterRequests)
        .where(eq(letterRequests.id, request.requestId));
      assert.equal(pending?.mailingBlock, null);
      assert.notEqual(pending?.codeHash, printed.code);
      const code = `${printed.code.slice(0, 5).toLowerCase()}-${printed.code.slice(5)}`;
      const confirmed = await confirmLetter(ctx, { requestId: request.requestId, code });
      assert.ok(confirmed.ok);
      const [row] = await ctx.db.select().from(persons).where(eq(persons.id, confirmed.personId));
      assert.equal(row?.district, 'Les Prés');
      assert.deepEqual(row?.methods, ['letter']);
      const again = await confirmLetter(ctx, { requestId: request.requestId, code: printed.code });
      assert.deepEqual(again, { ok: false, reason: 'not-found' });
    });

    it('keys the stored letter-code hash with the service secret, so a database copy cannot test codes', async () => {
      const request = await requestLetter(ctx, { ...someone(), district: 'Centre', address: '8 rue Haute' });
      assert.ok(request.ok);
      const printed = await printLetter(ctx, request.requestId);
      assert.ok(printed.ok);
      const [row] = await ctx.db
        .select()
        .from(letterRequests)
        .where(eq(letterRequests.id, request.requestId));
      const plainHash = createHash('sha256').update(printed.code).digest('base64url');
      assert.notEqual(row?.codeHash, plainHash, '50 bits of code are within reach of an offline search');
      // Under another secret, the right code does not match.
      const elsewhere = { ...ctx, secret: 'another-secret-of-at-least-thirty-two-chars' };
      assert.deepEqual(await confirmLetter(elsewhere, { requestId: request.requestId, code: printed.code }), {
        ok: false,
        reason: 'wrong-code',
      });
      assert.ok((await confirmLetter(ctx, { requestId: request.requestId, code: printed.code })).ok);
    });

    it('offers no credentials for a letter sent in the name of someone already proven at the desk', async () => {
      const victim = someone('1980-08-08');
      const proven = await enrolAtDesk(ctx, { ...victim, district: 'Centre' });
      assert.ok(proven.ok);
      const request = await requestLetter(ctx, {
        ...victim,
        district: 'Gare',
        address: '9 impasse de l’Intrus',
      });
      assert.ok(request.ok);
      const printed = await printLetter(ctx, request.requestId);
      assert.ok(printed.ok);
      const confirmed = await confirmLetter(ctx, { requestId: request.requestId, code: printed.code });
      assert.deepEqual(confirmed, { ok: true, personId: proven.personId, offer: false });
      // Nor does it move them: the district checked at the desk stays.
      const [row] = await ctx.db.select().from(persons).where(eq(persons.id, proven.personId));
      assert.equal(row?.district, 'Centre');
      assert.equal(row?.status, 'active');
    });

    it('lets a desk or eID enrolment take over a letter-only record: earlier tokens and credentials are revoked', async () => {
      const person = someone('1985-05-05');
      const request = await requestLetter(ctx, { ...person, district: 'Gare', address: '5 rue Basse' });
      assert.ok(request.ok);
      const printed = await printLetter(ctx, request.requestId);
      assert.ok(printed.ok);
      const confirmed = await confirmLetter(ctx, { requestId: request.requestId, code: printed.code });
      assert.ok(confirmed.ok && confirmed.offer);
      await createCredentialOffer(ctx, confirmed.personId);
      const batch = await issueBatch(ctx, confirmed.personId, [(await generateHolderKey()).publicJwk]);
      assert.ok(batch.ok);
      const eid = await enrolWithEid(ctx, person);
      assert.ok(eid.ok);
      assert.equal(eid.personId, confirmed.personId);
      assert.equal((await ctx.db.select().from(grants).where(eq(grants.personId, eid.personId))).length, 0);
      const entries = await ctx.db
        .select()
        .from(statusEntries)
        .where(eq(statusEntries.personId, eid.personId));
      assert.ok(entries.length > 0 && entries.every((e) => e.revoked));
    });

    it('locks a letter after too many wrong codes, even against the right one', async () => {
      const request = await requestLetter(ctx, {
        ...someone(),
        district: 'Centre',
        address: '1 place de la Mairie',
      });
      assert.ok(request.ok);
      const printed = await printLetter(ctx, request.requestId);
      assert.ok(printed.ok);
      for (let i = 1; i < LETTER_MAX_ATTEMPTS; i++) {
        assert.deepEqual(await confirmLetter(ctx, { requestId: request.requestId, code: 'WRONGCODE1' }), {
          ok: false,
          reason: 'wrong-code',
        });
      }
      assert.deepEqual(await confirmLetter(ctx, { requestId: request.requestId, code: 'WRONGCODE1' }), {
        ok: false,
        reason: 'too-many-attempts',
      });
      assert.deepEqual(await confirmLetter(ctx, { requestId: request.requestId, code: printed.code }), {
        ok: false,
        reason: 'too-many-attempts',
      });
      const before = (await ctx.db.select().from(persons)).length;
      assert.equal((await ctx.db.select().from(persons)).length, before, 'no person recorded');
    });

    it('refuses a letter code that was never printed or has expired', async () => {
      const request = await requestLetter(ctx, {
        ...someone(),
        district: 'Centre',
        address: '2 place de la Mairie',
      });
      assert.ok(request.ok);
      assert.deepEqual(await confirmLetter(ctx, { requestId: request.requestId, code: 'ANYTHING12' }), {
        ok: false,
        reason: 'not-found',
      });
      const printed = await printLetter(ctx, request.requestId);
      assert.ok(printed.ok);
      const later = { ...ctx, now: () => new Date(now.getTime() + 31 * DAY) };
      assert.deepEqual(await confirmLetter(later, { requestId: request.requestId, code: printed.code }), {
        ok: false,
        reason: 'expired',
      });
    });

    it('issues a batch of single-use credentials: fresh key, salts and status index each, rounded dates', async () => {
      const enrolled = await enrolAtDesk(ctx, { ...someone('1990-04-12'), district: 'Centre' });
      assert.ok(enrolled.ok);
      const keys = await Promise.all([1, 2, 3].map(() => generateHolderKey()));
      const batch = await issueBatch(
        ctx,
        enrolled.personId,
        keys.map((k) => k.publicJwk),
      );
      assert.ok(batch.ok);
      assert.equal(batch.credentials.length, 3);
      const payloads = batch.credentials.map((c) => decodeJwt(c.split('~')[0]!));
      const headers = batch.credentials.map((c) => decodeProtectedHeader(c.split('~')[0]!));
      for (const [i, p] of payloads.entries()) {
        assert.equal(headers[i]?.typ, 'dc+sd-jwt');
        assert.equal(headers[i]?.alg, 'ES256');
        assert.ok(headers[i]?.kid);
        assert.equal(p.iat, Date.UTC(2026, 10, 27) / 1000, 'iat is rounded to the day');
        assert.ok((p.exp as number) - (p.iat as number) <= 90 * 86_400);
        assert.equal(p.resident_of, undefined, 'claims are selectively disclosable only');
        const claims: Record<string, unknown> = Object.fromEntries(
          [...decodeDisclosures(batch.credentials[i]!)].map(([k, v]) => [k, v.value]),
        );
        assert.deepEqual(claims, { resident_of: 'Parvis-sur-Loire', district: 'Centre', age_range: '30-39' });
      }
      const unique = (values: unknown[]) => new Set(values.map((v) => JSON.stringify(v))).size;
      assert.equal(unique(payloads.map((p) => p.cnf)), 3);
      assert.equal(
        unique(payloads.map((p) => (p.status as { status_list: { idx: number } }).status_list.idx)),
        3,
      );
      assert.equal(unique(payloads.map((p) => p._sd)), 3);
    });

    it('never lets a credential outlive the holder’s age bracket', async () => {
      // Turns 40 in March 2027: the 30-39 credential must end by 1 March 2027, not in 90 days.
      const enrolled = await enrolAtDesk(ctx, { ...someone('1987-03-20'), district: 'Centre' });
      assert.ok(enrolled.ok);
      const batch = await issueBatch(ctx, enrolled.personId, [(await generateHolderKey()).publicJwk]);
      assert.ok(batch.ok);
      const { exp } = decodeJwt(batch.credentials[0]!.split('~')[0]!);
      assert.ok((exp as number) * 1000 <= Date.UTC(2027, 2, 1));
    });

    it('refuses a batch that reuses one holder key or carries a private key', async () => {
      const enrolled = await enrolAtDesk(ctx, { ...someone(), district: 'Centre' });
      assert.ok(enrolled.ok);
      const key = (await generateHolderKey()).publicJwk;
      assert.deepEqual(await issueBatch(ctx, enrolled.personId, [key, key]), {
        ok: false,
        reason: 'invalid-holder-key',
      });
      assert.deepEqual(await issueBatch(ctx, enrolled.personId, [{ ...key, d: 'secret' }]), {
        ok: false,
        reason: 'invalid-holder-key',
      });
    });

    it('caps the unexpired credentials one person may hold, also against parallel requests', async () => {
      const enrolled = await enrolAtDesk(ctx, { ...someone(), district: 'Gare' });
      assert.ok(enrolled.ok);
      const size = ctx.config.batchSize;
      const max = maxLiveCredentials(size);
      const batchOfKeys = async () =>
        (await Promise.all(Array.from({ length: size }, () => generateHolderKey()))).map((k) => k.publicJwk);
      const batches = await Promise.all(
        Array.from({ length: max / size + 2 }, async () =>
          issueBatch(ctx, enrolled.personId, await batchOfKeys()),
        ),
      );
      assert.equal(batches.filter((b) => b.ok).length, max / size);
      for (const refused of batches.filter((b) => !b.ok)) {
        assert.deepEqual(refused, { ok: false, reason: 'too-many-credentials' });
      }
      const held = await ctx.db
        .select()
        .from(statusEntries)
        .where(eq(statusEntries.personId, enrolled.personId));
      assert.equal(held.length, max, 'a refused batch reserves no status index');
      // Once they expire, the person gets a new batch.
      const later = { ...ctx, now: () => new Date(now.getTime() + 91 * DAY) };
      assert.ok((await issueBatch(later, enrolled.personId, await batchOfKeys())).ok);
    });

    it('revokes every credential of a person who moved out, in the signed status list', async () => {
      const enrolled = await enrolAtDesk(ctx, { ...someone(), district: 'Centre' });
      assert.ok(enrolled.ok);
      const batch = await issueBatch(ctx, enrolled.personId, [(await generateHolderKey()).publicJwk]);
      assert.ok(batch.ok);
      const { status } = decodeJwt(batch.credentials[0]!.split('~')[0]!) as {
        status: { status_list: { idx: number } };
      };
      const before = getListFromStatusListJWT(await signedStatusList(ctx, ctx.config.publicUrl, now));
      assert.equal(before.getStatus(status.status_list.idx), 0);
      assert.ok((await revokePerson(ctx.db, enrolled.personId, 'moved-out')).ok);
      const after = getListFromStatusListJWT(await signedStatusList(ctx, ctx.config.publicUrl, now));
      assert.equal(after.getStatus(status.status_list.idx), 1);
      assert.deepEqual(await issueBatch(ctx, enrolled.personId, [(await generateHolderKey()).publicJwk]), {
        ok: false,
        reason: 'person-inactive',
      });
    });

    it('erases a person entirely and keeps only the anonymous revoked bits', async () => {
      const enrolled = await enrolAtDesk(ctx, { ...someone(), district: 'Centre' });
      assert.ok(enrolled.ok);
      assert.ok((await revokePerson(ctx.db, enrolled.personId, 'erased')).ok);
      assert.equal((await ctx.db.select().from(persons).where(eq(persons.id, enrolled.personId))).length, 0);
    });

    it('keeps issuer private keys sealed under the service secret, not in clear in the database', async () => {
      await activeSigningKey(ctx, now);
      const rows = await ctx.db.select().from(issuerKeys);
      assert.ok(rows.length > 0);
      for (const row of rows) {
        assert.equal(row.privateJwk.enc, 'A256GCM');
        assert.equal(JSON.stringify(row.privateJwk).includes('"d"'), false);
      }
      await assert.rejects(
        activeSigningKey({ db: ctx.db, secret: 'another-secret-0123456789abcdefghijkl' }, now),
      );
    });

    it('keeps a rotated key published while its credentials may still be valid', async () => {
      const before = await publishedKeys(ctx.db, now);
      const { kid } = await rotateSigningKey(ctx, now, 90);
      const after = await publishedKeys(ctx.db, now);
      assert.equal(after.length, before.length + 1);
      assert.ok(after.some((k) => (k as { kid?: string }).kid === kid));
      const muchLater = await publishedKeys(ctx.db, new Date(now.getTime() + 92 * DAY));
      assert.deepEqual(
        muchLater.map((k) => (k as { kid?: string }).kid),
        [kid],
      );
    });

    it('forgets confirmed and expired letter requests and expired grants when purging', async () => {
      const request = await requestLetter(ctx, { ...someone(), district: 'Centre', address: '4 quai Sud' });
      assert.ok(request.ok);
      const enrolled = await enrolAtDesk(ctx, { ...someone(), district: 'Centre' });
      assert.ok(enrolled.ok);
      await createCredentialOffer(ctx, enrolled.personId);
      assert.ok((await ctx.db.select().from(grants)).length > 0);
      const later = { ...ctx, now: () => new Date(now.getTime() + 31 * DAY) };
      await purgeExpired(later);
      assert.equal((await ctx.db.select().from(letterRequests)).length, 0);
      assert.equal((await ctx.db.select().from(grants)).length, 0);
    });

    it('offers only attribute combinations shared by at least k enrolled people', async () => {
      const strict = { ...ctx, config: { ...ctx.config, k: 3 } };
      const loner = await enrolAtDesk(ctx, { ...someone('1940-01-01'), district: 'Les Prés' });
      assert.ok(loner.ok);
      const [row] = await ctx.db.select().from(persons).where(eq(persons.id, loner.personId));
      const combos = await disclosableCombinations(strict, row!);
      assert.deepEqual(combos, [['resident_of']], 'the only 65+ in Les Prés may show residence alone');
    });

    it('does not count people who have left an age bracket among those still in it', async () => {
      const config = {
        ...ctx.config,
        k: 3,
        districts: [...ctx.config.districts, 'Port'],
        enrolmentDays: 1000,
      };
      // Two people enrolled at 17 in January 2025: by now they are 18 or 19, out of 16-17.
      const earlier = { ...ctx, config, now: () => new Date('2025-01-10T10:00:00Z') };
      for (const birthdate of ['2007-03-01', '2007-04-01']) {
        assert.ok((await enrolAtDesk(earlier, { ...someone(birthdate), district: 'Port' })).ok);
      }
      const today = { ...ctx, config };
      const young = await enrolAtDesk(today, { ...someone('2009-06-15'), district: 'Port' });
      assert.ok(young.ok);
      const [row] = await ctx.db.select().from(persons).where(eq(persons.id, young.personId));
      const combos = await disclosableCombinations(today, row!);
      assert.ok(
        combos.every((combo) => !combo.includes('age_range')),
        `the only 16-17 year old of Port may not show the bracket: ${JSON.stringify(combos)}`,
      );
    });
  });
}
