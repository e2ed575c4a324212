import express, { type Router } from 'express';
import { bracketLabel } from './brackets.ts';
import type { ServiceContext } from './context.ts';
import { personForAccessToken } from './grants.ops.ts';
import { bearer, problem } from './http.ts';
import { disclosableCombinations } from './population.ops.ts';
import { revokePerson } from './status.ops.ts';

/** The person's own view, with an OpenID4VCI access token: attributes, and self-erasure. */
export function meRouter(ctx: ServiceContext): Router {
  const router = express.Router();

  const person = async (req: express.Request) => {
    const token = bearer(req);
    return token ? personForAccessToken(ctx, token) : undefined;
  };

  router.get('/me', async (req, res) => {
    const me = await person(req);
    if (!me) return problem(res, 401, 'Sign-in required', 'a valid access token is needed');
    res.json({
      resident_of: me.resident ? ctx.config.town : null,
      district: me.district,
      age_range: me.ageMin === null ? null : bracketLabel({ min: me.ageMin, max: me.ageMax }),
      methods: me.methods,
      status: me.status,
      enrolled_at: me.enrolledAt.toISOString(),
      expires_at: me.expiresAt.toISOString(),
      disclosable: await disclosableCombinations(ctx, me),
    });
  });

  router.delete('/me', async (req, res) => {
    const me = await person(req);
    if (!me) return problem(res, 401, 'Sign-in required', 'a valid access token is needed');
    const result = await revokePerson(ctx.db, me.id, 'erased');
    if (!result.ok) return problem(res, 404, 'Already erased');
    res.status(204).end();
  });

  return router;
}
