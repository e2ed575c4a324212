import { eq } from 'drizzle-orm';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { loginStates } from '../schema.ts';
import type { ServiceContext } from './context.ts';
import type { LegalIdentity } from './secrets.ts';

const claimsSchema = z.object({
  given_name: z.string().min(1),
  family_name: z.string().min(1),
  birthdate: z.iso.date(),
});

/** National eID over OpenID Connect (FranceConnect-style): gives names and birthdate. */
export class EidClient {
  #config: oidc.Configuration | undefined;
  readonly #ctx: ServiceContext;

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  get redirectUri(): string {
    return `${this.#ctx.config.publicUrl}/enrol/eid/callback`;
  }

  async #configuration(): Promise<oidc.Configuration> {
    const eid = this.#ctx.config.eid;
    if (!eid) throw new Error('national eID is not configured');
    if (!this.#config) {
      this.#config = await oidc.discovery(
        new URL(eid.issuer),
        eid.clientId,
        eid.clientSecret,
        undefined,
        eid.allowInsecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
    }
    return this.#config;
  }

  /** The provider's authorisation URL, and the `state` to bind to the browser that asked. */
  async start(): Promise<{ url: URL; state: string }> {
    const config = await this.#configuration();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    await this.#ctx.db.insert(loginStates).values({
      state,
      nonce,
      codeVerifier,
      expiresAt: new Date(this.#ctx.now().getTime() + 10 * 60_000),
    });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile birthdate',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state };
  }

  /** Completes the login; the names and birthdate are used for this request only. */
  async finish(
    currentUrl: URL,
  ): Promise<{ ok: true; identity: LegalIdentity } | { ok: false; reason: string }> {
    const config = await this.#configuration();
    const state = currentUrl.searchParams.get('state');
    if (!state) return { ok: false, reason: 'missing-state' };
    const [login] = await this.#ctx.db.delete(loginStates).where(eq(loginStates.state, state)).returning();
    if (!login || login.expiresAt <= this.#ctx.now()) return { ok: false, reason: 'unknown-state' };
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      return { ok: false, reason: `eid-refused: ${(error as Error).message}` };
    }
    const idClaims = tokens.claims();
    const userinfo = await oidc.fetchUserInfo(
      config,
      tokens.access_token,
      idClaims?.sub ?? oidc.skipSubjectCheck,
    );
    const parsed = claimsSchema.safeParse({ ...idClaims, ...userinfo });
    if (!parsed.success) return { ok: false, reason: 'eid-claims-missing' };
    return {
      ok: true,
      identity: {
        familyName: parsed.data.family_name,
        givenNames: parsed.data.given_name,
        birthdate: parsed.data.birthdate,
      },
    };
  }
}
