import assert from 'node:assert/strict';
import { IdentityConfigError, loadConfig, parseBrackets } from '../identity/config.ts';
import { ageOn, bracketFor, bracketLabel } from '../identity/service/brackets.ts';
import { dedupKey } from '../identity/service/secrets.ts';

describe('identity configuration and age brackets', () => {
  it('defaults to port 4000, k = 5 and the seven standard brackets', () => {
    const config = loadConfig({});
    assert.equal(config.port, 4000);
    assert.equal(config.k, 5);
    assert.deepEqual(config.brackets.map(bracketLabel), [
      '16-17',
      '18-24',
      '25-29',
      '30-39',
      '40-49',
      '50-64',
      '65+',
    ]);
    assert.equal(config.eid, undefined);
  });

  it('refuses brackets that overlap, leave gaps or are malformed', () => {
    assert.throws(() => parseBrackets('18-24,24-30'));
    assert.throws(() => parseBrackets('18-24,26-30'));
    assert.throws(() => parseBrackets('18-24,25+,30-39'));
    assert.throws(() => parseBrackets('eighteen'));
    assert.deepEqual(parseBrackets('18-64,65+'), [
      { min: 18, max: 64 },
      { min: 65, max: null },
    ]);
  });

  it('trusts no proxy by default; IDENTITY_TRUST_PROXY reads booleans like the platform', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    for (const value of ['true', '1', 'yes'])
      assert.equal(loadConfig({ IDENTITY_TRUST_PROXY: value }).trustProxy, true);
    for (const value of ['false', '0', 'no', ''])
      assert.equal(loadConfig({ IDENTITY_TRUST_PROXY: value }).trustProxy, false);
  });

  it('a bad value stops start-up with a message naming the variable', () => {
    for (const [name, value] of [
      ['IDENTITY_TRUST_PROXY', 'maybe'],
      ['IDENTITY_TRUST_PROXY', 'TRUE '],
      ['IDENTITY_PORT', 'eighty'],
      ['IDENTITY_AGE_BRACKETS', '18-24,26-30'],
    ] as const) {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (err: unknown) => {
          assert.ok(err instanceof IdentityConfigError);
          assert.match(err.message, new RegExp(`^Invalid identity service configuration:\\n  ${name}: `));
          return true;
        },
        `${name}=${value}`,
      );
    }
  });

  it('refuses a credential lifetime over 90 days and a bad public URL', () => {
    assert.throws(() => loadConfig({ IDENTITY_CREDENTIAL_DAYS: '120' }));
    assert.throws(() => loadConfig({ IDENTITY_PUBLIC_URL: 'not a url' }));
  });

  it('counts a birthday on the day itself', () => {
    assert.equal(ageOn('1990-06-15', new Date('2020-06-14T12:00:00Z')), 29);
    assert.equal(ageOn('1990-06-15', new Date('2020-06-15T00:00:00Z')), 30);
  });

  it('ends a bracket on the first of the month of the birthday that leaves it, and never for 65+', () => {
    const brackets = parseBrackets('16-17,18-24,25-29,30-39,40-49,50-64,65+');
    assert.deepEqual(bracketFor(brackets, '1990-06-15', new Date('2026-11-27')), {
      min: 30,
      max: 39,
      endsAt: new Date('2030-06-01T00:00:00Z'),
    });
    assert.equal(bracketFor(brackets, '1950-01-01', new Date('2026-11-27'))?.endsAt, null);
    assert.equal(bracketFor(brackets, '2015-01-01', new Date('2026-11-27')), undefined);
  });

  it('derives the same de-duplication key whatever the case and accents, and another under another secret', () => {
    const a = dedupKey('secret-one', {
      familyName: 'Lefèvre',
      givenNames: 'Jean-Éric',
      birthdate: '1970-01-01',
    });
    const b = dedupKey('secret-one', {
      familyName: 'LEFEVRE',
      givenNames: 'jean eric',
      birthdate: '1970-01-01',
    });
    const c = dedupKey('secret-two', {
      familyName: 'Lefèvre',
      givenNames: 'Jean-Éric',
      birthdate: '1970-01-01',
    });
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.equal(a.includes('lefevre'), false);
  });

  it('derives one de-duplication key from the spellings a desk and an eID give of one person', () => {
    const key = (familyName: string, givenNames: string, birthdate = '1985-05-05') =>
      dedupKey('secret-one', { familyName, givenNames, birthdate });
    const same: [string, string, string, string][] = [
      // ligatures and ß, which Unicode decomposition keeps
      ['Lœuillet', 'Lætitia', 'LOEUILLET', 'Laetitia'],
      ['Straß', 'Jürgen', 'STRASS', 'Jurgen'],
      // particles and compound family names, with or without space, hyphen or apostrophe
      ['Le Goff', 'Anne', 'LEGOFF', 'Anne'],
      ['d’Arc', 'Jeanne', "D'ARC", 'Jeanne'],
      ['Saint-Exupéry', 'Antoine', 'Saint Exupery', 'Antoine'],
      // given names listed in another order, with extra spaces
      ['Martin', 'Marie  Claire Odile', 'Martin', 'Claire, Marie Odile'],
    ];
    for (const [family1, given1, family2, given2] of same) {
      assert.equal(key(family1, given1), key(family2, given2), `${family1} ${given1} = ${family2} ${given2}`);
    }
    assert.notEqual(key('Martin', 'Marie'), key('Martin', 'Marie', '1985-05-06'));
    assert.notEqual(key('Martin', 'Marie'), key('Martin', 'Marie Claire'));
    assert.notEqual(key('Martin', 'Paul'), key('Paul', 'Martin'), 'family and given names stay apart');
  });
});
