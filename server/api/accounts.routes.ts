import { z } from 'zod';
import {
  accountSelfView,
  authenticate,
  setLanguage,
  setPassword,
  signUp,
} from '../../models/accounts.ops.ts';
import { listOwnPersonaViews } from '../../models/personas.ops.ts';
import type { Account } from '../../models/schema/index.ts';
import { destroyOtherSessions } from '../../models/sessions.ops.ts';
import { DisplayName, Email, Handle, Password } from '../../models/validation.ts';
import { establishSession } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { sendProblem } from '../problem.ts';
import { type ApiRoute, assertNever, defineRoute } from './registry.ts';
import { AccountSelfSchema, Language } from './schemas.ts';

async function selfView(ctx: AppContext, account: Account): Promise<z.output<typeof AccountSelfSchema>> {
  return { ...accountSelfView(account), ...(await listOwnPersonaViews(ctx.db, account.id)) };
}

const SignUpBody = z.object({
  email: Email,
  password: Password,
  handle: Handle,
  displayName: DisplayName,
  language: Language.optional(),
});

const UpdateMeBody = z
  .object({
    language: Language.optional(),
    currentPassword: z.string().max(200).optional(),
    newPassword: Password.optional(),
  })
  .refine((b) => b.newPassword === undefined || b.currentPassword !== undefined, {
    error: 'is required to change the password',
    path: ['currentPassword'],
  });

/** `/accounts` (sign-up) and `/me` (the account's own settings: the only place the e-mail appears). */
export function accountsRoutes(ctx: AppContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/accounts',
      summary: 'Sign up: creates the account and its first persona, and logs in',
      tags: ['accounts'],
      auth: 'public',
      body: SignUpBody,
      responses: {
        201: { description: 'The new account, logged in', schema: AccountSelfSchema },
        409: 'The e-mail or the handle is already taken (see `errors`)',
      },
      handler: async ({ body, req, res }) => {
        const result = await signUp(ctx, body);
        if (!result.ok) {
          switch (result.reason) {
            case 'email-taken':
              return sendProblem(res, 409, 'Already taken', {
                errors: [{ field: 'email', message: 'an account already uses this e-mail' }],
              });
            case 'handle-taken':
              return sendProblem(res, 409, 'Already taken', {
                errors: [{ field: 'handle', message: 'this handle is taken' }],
              });
            default:
              return assertNever(result.reason);
          }
        }
        let account = result.account;
        if (body.language) {
          await setLanguage(ctx.db, account.id, body.language);
          account = { ...account, language: body.language };
        }
        await establishSession(req, account);
        res.setHeader('Cache-Control', 'private, no-store');
        res.status(201).json(await selfView(ctx, account));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/me',
      summary: 'The account’s own settings: e-mail, role, language and personas',
      tags: ['accounts'],
      auth: 'session',
      responses: { 200: { description: 'The account', schema: AccountSelfSchema } },
      handler: async ({ account, res }) => {
        res.json(await selfView(ctx, account));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/me',
      summary: 'Change the language, or the password (which needs the current one)',
      description: 'Changing the password logs out every other session of the account.',
      tags: ['accounts'],
      auth: 'session',
      body: UpdateMeBody,
      responses: {
        200: { description: 'The account', schema: AccountSelfSchema },
        403: 'The current password is wrong',
      },
      handler: async ({ body, account, req, res }) => {
        if (body.newPassword !== undefined) {
          const check = await authenticate(ctx.db, account.email, body.currentPassword ?? '');
          if (!check.ok) {
            return sendProblem(res, 403, 'Wrong password', {
              errors: [{ field: 'currentPassword', message: 'is not the current password' }],
            });
          }
          await setPassword(ctx.db, account.id, body.newPassword);
          await destroyOtherSessions(ctx.db, account.id, req.sessionID);
        }
        let updated = account;
        if (body.language !== undefined) {
          await setLanguage(ctx.db, account.id, body.language);
          updated = { ...updated, language: body.language };
        }
        res.json(await selfView(ctx, updated));
      },
    }),
  ];
}
