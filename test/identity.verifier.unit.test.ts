import assert from 'node:assert/strict';
import { generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { generateHolderKey, type HolderKey, present } from '../identity/holder/holder.ts';
import { createVerifier, type Verifier, type VerifyResult } from '../identity/verifier/verifier.ts';
import { createTestIssuer, disclosure, sha256, type TestIssuer } from './support/identity-issuer.ts';

const PLATFORM = 'https://parvis.example';
const ISSUER = 'https://identity.example';

describe('identity verifier', () => {
  let issuer: TestIssuer;
  let holder: HolderKey;
  let verifier: Verifier;
  let nonces: Set<string>;
  let nonceCounter = 0;

  const freshNonce = () => {
    const nonce = `nonce-${++nonceCounter}`;
    nonces.add(nonce);
    return nonce;
  };
  const consume = async (nonce: string) => nonces.delete(nonce);
  const refused = (result: VerifyResult, reason: string) => {
    assert.equal(result.ok, false, `expected refusal ${reason}`);
    if (!result.ok) assert.equal(result.reason, reason);
  };

  before(async () => {
    issuer = await createTestIssuer(ISSUER);
    holder = await generateHolderKey();
  });

  beforeEach(() => {
    nonces = new Set();
    verifier = createVerifier({
      issuers: [{ url: ISSUER, name: 'Ville de Parvis-sur-Loire' }],
      audience: PLATFORM,
      fetch: issuer.fetch,
    });
  });

  async function presentation(
    claims = ['resident_of', 'age_range'],
    options: { aud?: string; iat?: number; nonce?: string } = {},
  ) {
    const credential = await issuer.issue(holder.publicJwk);
    return present(
      { credential, key: holder },
      { claims, audience: options.aud ?? PLATFORM, nonce: options.nonce ?? freshNonce(), iat: options.iat },
    );
  }

  it('accepts a fresh, bound presentation and returns only the disclosed values', async () => {
    const result = await verifier.verify(await presentation(), consume);
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.deepEqual(result.badge.disclosed, { resident_of: 'Parvis-sur-Loire', age_range: '30-39' });
    assert.equal(result.badge.issuer, ISSUER);
    assert.equal(result.badge.issuerName, 'Ville de Parvis-sur-Loire');
    assert.match(result.badge.holderKeyThumbprint, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(result.badge.expiresAt > new Date());
    assert.equal(JSON.stringify(result).includes('~'), false, 'no raw credential in the result');
  });

  it('refuses a replayed presentation (its nonce was already used)', async () => {
    const shown = await presentation();
    assert.equal((await verifier.verify(shown, consume)).ok, true);
    refused(await verifier.verify(shown, consume), 'nonce-invalid');
  });

  it('refuses a nonce the platform never issued', async () => {
    const shown = await presentation(undefined, { nonce: 'made-up' });
    refused(await verifier.verify(shown, consume), 'nonce-invalid');
  });

  it('refuses a presentation meant for another audience and keeps the nonce', async () => {
    const nonce = freshNonce();
    refused(
      await verifier.verify(await presentation(undefined, { aud: 'https://evil.example', nonce }), consume),
      'wrong-audience',
    );
    assert.ok(nonces.has(nonce), 'a refused presentation consumes nothing');
  });

  it('refuses a key-binding JWT older than five minutes', async () => {
    const stale = Math.floor(Date.now() / 1000) - 301;
    refused(
      await verifier.verify(await presentation(undefined, { iat: stale }), consume),
      'stale-key-binding',
    );
  });

  it('refuses a key-binding JWT dated in the future', async () => {
    const future = Math.floor(Date.now() / 1000) + 600;
    refused(
      await verifier.verify(await presentation(undefined, { iat: future }), consume),
      'stale-key-binding',
    );
  });

  it('refuses a presentation without key-binding JWT', async () => {
    const shown = await presentation();
    const withoutKb = shown.slice(0, shown.lastIndexOf('~') + 1);
    refused(await verifier.verify(withoutKb, consume), 'missing-key-binding');
  });

  it('refuses a credential whose key binding is signed by another key (re-bound credential)', async () => {
    const credential = await issuer.issue(holder.publicJwk);
    const thief = await generateHolderKey();
    const shown = await present(
      { credential, key: thief },
      { claims: ['resident_of'], audience: PLATFORM, nonce: freshNonce() },
    );
    refused(await verifier.verify(shown, consume), 'bad-key-binding');
  });

  it('refuses a thief’s key slipped in as a `cnf` disclosure', async () => {
    const thief = await generateHolderKey();
    const credential = await issuer.issue(holder.publicJwk);
    const forged = credential.replace(/~$/, `~${disclosure('cnf', { jwk: thief.publicJwk })}~`);
    const shown = await present(
      { credential: forged, key: thief },
      { claims: ['resident_of', 'cnf'], audience: PLATFORM, nonce: freshNonce() },
    );
    refused(await verifier.verify(shown, consume), 'reserved-claim-disclosed');
  });

  it('refuses a credential whose holder key is itself selectively disclosable', async () => {
    const thief = await generateHolderKey();
    const cnf = disclosure('cnf', { jwk: thief.publicJwk });
    const credential = await issuer.issue(
      holder.publicJwk,
      { resident_of: 'Parvis-sur-Loire' },
      {
        tweak: (payload: JWTPayload, disclosures) => {
          delete payload.cnf;
          disclosures.push(cnf);
          (payload._sd as string[]).push(sha256(cnf));
        },
      },
    );
    const shown = await present(
      { credential: `${credential}${cnf}~`, key: thief },
      { claims: ['resident_of', 'cnf'], audience: PLATFORM, nonce: freshNonce() },
    );
    // The holder key is read only from the issuer-signed payload, never from a disclosure.
    refused(await verifier.verify(shown, consume), 'missing-holder-key');
  });

  it('refuses an extra disclosure the credential does not reference', async () => {
    const credential = await issuer.issue(holder.publicJwk, { resident_of: 'Parvis-sur-Loire' });
    const [jwt, resident] = credential.split('~');
    // The key binding covers the extra disclosure, so only the digest check can catch it.
    const tampered = await present(
      { credential: `${jwt}~${resident}~${disclosure('district', 'Gare')}~`, key: holder },
      { claims: ['resident_of', 'district'], audience: PLATFORM, nonce: freshNonce() },
    );
    refused(await verifier.verify(tampered, consume), 'unreferenced-disclosure');
  });

  it('refuses the same disclosure sent twice', async () => {
    const credential = await issuer.issue(holder.publicJwk, { resident_of: 'Parvis-sur-Loire' });
    const [jwt, resident] = credential.split('~');
    const doubled = `${jwt}~${resident}~${resident}~`;
    const tampered = `${doubled}${await new SignJWT({
      aud: PLATFORM,
      nonce: freshNonce(),
      sd_hash: sha256(doubled),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
      .setIssuedAt()
      .sign(holder.privateKey)}`;
    refused(await verifier.verify(tampered, consume), 'duplicate-disclosure');
  });

  it('refuses a credential whose `_sd` lists the same digest twice', async () => {
    const credential = await issuer.issue(
      holder.publicJwk,
      { resident_of: 'Parvis-sur-Loire' },
      {
        tweak: (payload: JWTPayload) => {
          const sd = payload._sd as string[];
          sd.push(sd[0]!);
        },
      },
    );
    const shown = await present(
      { credential, key: holder },
      { claims: ['resident_of'], audience: PLATFORM, nonce: freshNonce() },
    );
    refused(await verifier.verify(shown, consume), 'duplicate-disclosure');
  });

  it('refuses a presentation whose disclosures were changed after the key binding (sd_hash)', async () => {
    const shown = await presentation(['resident_of', 'age_range']);
    const parts = shown.split('~');
    const reordered = [parts[0], parts[2], parts[1], parts[3]].join('~');
    refused(await verifier.verify(reordered, consume), 'sd-hash-mismatch');
  });

  it('refuses a forged issuer signature', async () => {
    const { privateKey: forger } = await generateKeyPair('ES256');
    const credential = await issuer.issue(holder.publicJwk, undefined, { key: forger });
    const shown = await present(
      { credential, key: holder },
      { claims: ['resident_of'], audience: PLATFORM, nonce: freshNonce() },
    );
    refused(await verifier.verify(shown, consume), 'bad-signature');
  });

  it('refuses a credential from an issuer that is not pinned', async () => {
    const stranger = await createTestIssuer('https://elsewhere.example');
    const credential = await stranger.issue(holder.publicJwk);
    const shown = await present(
      { credential, key: holder },
      { claims: ['resident_of'], audience: PLATFORM, nonce: freshNonce() },
    );
    refused(await verifier.verify(shown, consume), 'unknown-issuer');
    assert.equal(stranger.requests.length, 0, 'an unknown issuer is never contacted');
  });

  it('refuses an expired credential', async () => {
    const credential = await issuer.issue(holder.publicJwk, undefined, {
      tweak: (payload: JWTPayload) => {
        payload.exp = Math.floor(Date.now() / 1000) - 60;
      },
    });
    const shown = await present(
      { credential, key: holder },
      { claims: ['resident_of'], audience: PLATFORM, nonce: freshNonce() },
    );
    refused(await verifier.verify(shown, consume), 'expired');
  });

  it('refuses a credential revoked in the status list', async () => {
    const credential = await issuer.issue(holder.publicJwk, undefined, {
      tweak: (payload: JWTPayload) => {
        issuer.revoked.add((payload.status as { status_list: { idx: number } }).status_list.idx);
      },
    });
    const shown = await present(
      { credential, key: holder },
      { claims: ['resident_of'], audience: PLATFORM, nonce: freshNonce() },
    );
    refused(await verifier.verify(shown, consume), 'revoked');
  });

  it('returns the status entry of an accepted credential, and reads a fresh copy of its list when asked', async () => {
    const result = await verifier.verify(await presentation(), consume);
    assert.equal(result.ok, true);
    if (!result.ok) return;
    const { uri, idx } = result.badge.status;
    assert.equal(uri, issuer.statusUri);
    const before = await verifier.statusList(ISSUER, uri);
    assert.equal(before?.statusOf(idx), 0);
    issuer.revoked.add(idx);
    const after = await verifier.statusList(ISSUER, uri);
    assert.equal(after?.statusOf(idx), 1, 'refetched despite the cache');
    assert.equal(await verifier.statusList('https://elsewhere.example', uri), undefined, 'unpinned issuer');
    assert.equal(
      await verifier.statusList(ISSUER, 'https://elsewhere.example/status-lists/1'),
      undefined,
      'a list off the issuer’s origin',
    );
  });

  it('refuses an issuer JWT whose header typ is not dc+sd-jwt', async () => {
    const credential = await issuer.issue(holder.publicJwk, undefined, { header: { typ: 'JWT' } });
    const shown = await present(
      { credential, key: holder },
      { claims: ['resident_of'], audience: PLATFORM, nonce: freshNonce() },
    );
    refused(await verifier.verify(shown, consume), 'wrong-type');
  });

  it('refuses a credential of another type', async () => {
    const credential = await issuer.issue(holder.publicJwk, undefined, {
      tweak: (payload: JWTPayload) => {
        payload.vct = `${ISSUER}/credentials/library-card`;
      },
    });
    const shown = await present(
      { credential, key: holder },
      { claims: ['resident_of'], audience: PLATFORM, nonce: freshNonce() },
    );
    refused(await verifier.verify(shown, consume), 'wrong-credential-type');
  });

  it('refuses garbage', async () => {
    for (const input of ['', 'abc', '~~~', 'a.b.c~x~y', 'x'.repeat(20_000)]) {
      const result = await verifier.verify(input, consume);
      assert.equal(result.ok, false, input.slice(0, 20));
    }
  });

  it('gives the same credential id for two presentations of one credential, so a second use can be refused', async () => {
    const credential = await issuer.issue(holder.publicJwk);
    const first = await verifier.verify(
      await present(
        { credential, key: holder },
        { claims: ['resident_of'], audience: PLATFORM, nonce: freshNonce() },
      ),
      consume,
    );
    const second = await verifier.verify(
      await present(
        { credential, key: holder },
        { claims: ['age_range'], audience: PLATFORM, nonce: freshNonce() },
      ),
      consume,
    );
    assert.ok(first.ok && second.ok);
    assert.equal(first.credentialId, second.credentialId);
  });

  it('fetches issuer keys once and then serves them from its cache', async () => {
    const before = issuer.requests.filter((r) => r.endsWith('jwt-vc-issuer')).length;
    await verifier.verify(await presentation(), consume);
    await verifier.verify(await presentation(), consume);
    const after = issuer.requests.filter((r) => r.endsWith('jwt-vc-issuer')).length;
    assert.equal(after - before, 1);
  });
});

describe('identity verifier: algorithms, keys and credential identity', () => {
  let issuer: TestIssuer;
  let holder: HolderKey;
  let verifier: Verifier;
  let counter = 0;
  const nonces = new Set<string>();
  const freshNonce = () => {
    const nonce = `n-${++counter}`;
    nonces.add(nonce);
    return nonce;
  };
  const consume = async (nonce: string) => nonces.delete(nonce);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const show = (credential: string, claims = ['resident_of']) =>
    present({ credential, key: holder }, { claims, audience: PLATFORM, nonce: freshNonce() });

  before(async () => {
    issuer = await createTestIssuer(ISSUER);
    holder = await generateHolderKey();
    verifier = createVerifier({ issuers: [{ url: ISSUER }], audience: PLATFORM, fetch: issuer.fetch });
  });

  /** The same credential with another issuer header (unsigned or signed otherwise). */
  function reheader(credential: string, header: Record<string, unknown>, signature: string) {
    const [jwt, ...rest] = credential.split('~');
    const payload = jwt!.split('.')[1];
    return [`${b64(header)}.${payload}.${signature}`, ...rest].join('~');
  }

  it('refuses an issuer JWT with alg none or HS256 keyed with the issuer’s public key', async () => {
    const credential = await issuer.issue(holder.publicJwk);
    const none = reheader(credential, { alg: 'none', typ: 'dc+sd-jwt', kid: 'key-1' }, '');
    const response = await issuer.fetch(`${ISSUER}/.well-known/jwt-vc-issuer`);
    const publicJwk = ((await response.json()) as { jwks: { keys: JWTPayload[] } }).jwks.keys[0]!;
    const [jwt] = credential.split('~');
    const hs256 = await new SignJWT(JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString()))
      .setProtectedHeader({ alg: 'HS256', typ: 'dc+sd-jwt', kid: 'key-1' })
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    const confused = [hs256, ...credential.split('~').slice(1)].join('~');
    for (const forged of [none, confused]) {
      const result = await verifier.verify(await show(forged), consume);
      assert.deepEqual(result, { ok: false, reason: 'bad-signature' });
    }
  });

  it('refuses a key-binding JWT with alg none or HS256', async () => {
    const credential = await issuer.issue(holder.publicJwk);
    const honest = await show(credential);
    const kb = honest.slice(honest.lastIndexOf('~') + 1);
    const kbPayload = kb.split('.')[1]!;
    const withoutKb = honest.slice(0, honest.lastIndexOf('~') + 1);
    const none = `${withoutKb}${b64({ alg: 'none', typ: 'kb+jwt' })}.${kbPayload}.`;
    const hs256 = `${withoutKb}${await new SignJWT(JSON.parse(Buffer.from(kbPayload, 'base64url').toString()))
      .setProtectedHeader({ alg: 'HS256', typ: 'kb+jwt' })
      .sign(new TextEncoder().encode(JSON.stringify(holder.publicJwk)))}`;
    for (const forged of [none, hs256]) {
      const result = await verifier.verify(forged, consume);
      assert.deepEqual(result, { ok: false, reason: 'bad-key-binding' });
    }
  });

  it('refuses an issuer JWT whose kid the issuer never published', async () => {
    const credential = await issuer.issue(holder.publicJwk, undefined, { header: { kid: 'key-404' } });
    assert.deepEqual(await verifier.verify(await show(credential), consume), {
      ok: false,
      reason: 'unknown-key',
    });
  });

  it('gives one credential id to a credential whose ECDSA signature was rewritten (s → n − s)', async () => {
    const credential = await issuer.issue(holder.publicJwk);
    const [jwt, ...rest] = credential.split('~');
    const [header, payload, signature] = jwt!.split('.');
    const bytes = Buffer.from(signature!, 'base64url');
    const n = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551');
    const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
    const flipped = Buffer.concat([
      bytes.subarray(0, 32),
      Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'),
    ]);
    const twin = [`${header}.${payload}.${flipped.toString('base64url')}`, ...rest].join('~');
    const first = await verifier.verify(await show(credential), consume);
    const second = await verifier.verify(await show(twin, ['age_range']), consume);
    assert.ok(first.ok, 'the original is accepted');
    // Still a valid signature: only the credential id can stop a second use on another persona.
    assert.ok(second.ok);
    assert.equal(second.credentialId, first.credentialId);
  });
});
