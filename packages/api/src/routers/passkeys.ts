import { z } from 'zod';
import { rateLimit } from '../ratelimit/middleware.js';
import {
  authenticationOptionsSchema,
  passkeyLoginInput,
  passkeySchema,
  registerPasskeyInput,
  registrationOptionsSchema,
  removePasskeyInput,
  renamePasskeyInput,
} from '../schemas/passkeys.js';
import { tokenSchema } from '../schemas/user.js';
import { toPasskeyOut, toTokenOut } from '../services/serialize.js';
import { authedProcedure, publicProcedure, router, sessionOf } from '../trpc.js';

/** `auth.passkeys`: registering, listing, renaming and deleting passkeys, and signing in with one alone. */
export const passkeysRouter = router({
  registerOptions: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/passkeys/register/options',
        summary: 'Options for registering a passkey',
        description:
          'Creation options for a discoverable passkey of this account (its existing ones excluded). The ' +
          'challenge is single use and lives five minutes. The relying party is PUBLIC_URL’s host ' +
          '(WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS override it).',
      },
    })
    .input(z.void())
    .output(registrationOptionsSchema)
    .mutation(({ ctx }) => ctx.passkeys.registrationOptions(ctx.user)),

  register: authedProcedure
    .meta({
      errors: ['PASSKEY_REGISTRATION_FAILED', 'PASSKEY_ALREADY_REGISTERED'],
      successStatus: 201,
      openapi: {
        method: 'POST',
        path: '/auth/passkeys/register/verify',
        summary: 'Register a passkey',
        description:
          'The browser’s answer to the creation options, and a name for the passkey. From now on a password ' +
          'login needs a second step, which the passkey (or another factor) completes.',
      },
    })
    .input(registerPasskeyInput)
    .output(passkeySchema)
    .mutation(async ({ ctx, input }) =>
      toPasskeyOut(await ctx.passkeys.register(ctx.user, input.response, input.name)),
    ),

  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/auth/passkeys',
        summary: 'My passkeys',
        description: 'Oldest first.',
      },
    })
    .input(z.void())
    .output(z.array(passkeySchema))
    .query(async ({ ctx }) => (await ctx.passkeys.list(ctx.user.id)).map(toPasskeyOut)),

  rename: authedProcedure
    .meta({
      errors: ['PASSKEY_NOT_FOUND'],
      openapi: {
        method: 'PATCH',
        path: '/auth/passkeys/{id}',
        summary: 'Rename a passkey',
        description: '1–100 characters.',
      },
    })
    .input(renamePasskeyInput)
    .output(passkeySchema)
    .mutation(async ({ ctx, input }) =>
      toPasskeyOut(await ctx.passkeys.rename(ctx.user.id, input.id, input.name)),
    ),

  remove: authedProcedure
    .meta({
      errors: ['WRONG_PASSWORD', 'PASSKEY_NOT_FOUND', 'RATE_LIMITED'],
      successStatus: 204,
      openapi: {
        method: 'POST',
        path: '/auth/passkeys/{id}/delete',
        summary: 'Delete a passkey',
        description:
          'Needs the current password (as turning the authenticator app off does): a stolen access token alone ' +
          'cannot remove a factor. The passkey signs nobody in from now on, and every other session of the ' +
          'account ends (this one stays). Audited.',
        successDescription: 'Deleted',
      },
    })
    .input(removePasskeyInput)
    .output(z.undefined())
    .mutation(async ({ ctx, input }) => {
      await ctx.passkeys.remove(ctx.user, sessionOf(ctx).id, input.id, input.password);
      return undefined;
    }),

  loginOptions: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/passkeys/login/options',
        protect: false,
        summary: 'Options for signing in with a passkey',
        description:
          'Request options for a passwordless login with any discoverable passkey (user verification required). ' +
          'The challenge is single use and lives five minutes.',
      },
    })
    .input(z.void())
    .use(rateLimit('passkeyLogin'))
    .output(authenticationOptionsSchema)
    .mutation(({ ctx }) => ctx.passkeys.authenticationOptions()),

  login: publicProcedure
    .meta({
      errors: ['PASSKEY_AUTHENTICATION_FAILED', 'ACCOUNT_DEACTIVATED', 'EMAIL_NOT_VERIFIED'],
      openapi: {
        method: 'POST',
        path: '/auth/passkeys/login/verify',
        protect: false,
        summary: 'Sign in with a passkey',
        description:
          'The browser’s answer to the login options. Answers the normal login response; the access token’s ' +
          '`amr` is ["hwk"]. A deactivated account’s passkeys sign nobody in.',
      },
    })
    .input(passkeyLoginInput)
    .use(rateLimit('passkeyLogin'))
    .output(tokenSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await ctx.passkeys.login(input.response);
      return toTokenOut(result, result.user);
    }),
});
