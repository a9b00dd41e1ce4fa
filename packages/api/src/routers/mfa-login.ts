import { rateLimit } from '../ratelimit/middleware.js';
import { mfaLoginInput, mfaTokenInput } from '../schemas/mfa.js';
import { authenticationOptionsSchema, mfaPasskeyInput } from '../schemas/passkeys.js';
import { tokenSchema } from '../schemas/user.js';
import { toTokenOut } from '../services/serialize.js';
import { publicProcedure } from '../trpc.js';

const LOGIN_ERRORS = [
  'INVALID_MFA_TOKEN',
  'ACCOUNT_DEACTIVATED',
  'EMAIL_NOT_VERIFIED',
  'MFA_METHOD_UNAVAILABLE',
] as const;

/** The second step of a password login that answered 401 MFA_REQUIRED: part of the `auth.mfa` router. */
export const mfaLoginProcedures = {
  verify: publicProcedure
    .meta({
      errors: ['INVALID_MFA_CODE', ...LOGIN_ERRORS],
      openapi: {
        method: 'POST',
        path: '/auth/login/mfa',
        protect: false,
        summary: 'Complete a login with a second factor',
        description:
          'The mfa_token of the 401 MFA_REQUIRED answer, and either `code` (the app’s 6 digits: each accepted ' +
          'once) or `recovery_code` (each works once). Answers the normal login response; the access token’s ' +
          '`amr` is ["pwd","otp"] or ["pwd","rc"]. A token takes five wrong answers, an account ten per 15 ' +
          'minutes: then 429 RATE_LIMITED.',
      },
    })
    .input(mfaLoginInput)
    .use(rateLimit('mfa'))
    .output(tokenSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await ctx.mfaLogin.verify(input.mfa_token, input);
      return toTokenOut(result, result.user);
    }),

  passkeyOptions: publicProcedure
    .meta({
      errors: [...LOGIN_ERRORS],
      openapi: {
        method: 'POST',
        path: '/auth/login/mfa/webauthn/options',
        protect: false,
        summary: 'Options for completing a login with a passkey',
        description:
          'For an mfa_token whose methods include "webauthn": request options naming the account’s passkeys. ' +
          'The challenge is single use and lives five minutes.',
      },
    })
    .input(mfaTokenInput)
    .use(rateLimit('mfa'))
    .output(authenticationOptionsSchema)
    .mutation(({ ctx, input }) => ctx.mfaLogin.passkeyOptions(input.mfa_token)),

  passkeyVerify: publicProcedure
    .meta({
      errors: ['PASSKEY_AUTHENTICATION_FAILED', ...LOGIN_ERRORS],
      openapi: {
        method: 'POST',
        path: '/auth/login/mfa/webauthn/verify',
        protect: false,
        summary: 'Complete a login with a passkey',
        description:
          'The mfa_token and the browser’s answer to the options. Answers the normal login response; the access ' +
          'token’s `amr` is ["pwd","hwk"].',
      },
    })
    .input(mfaPasskeyInput)
    .use(rateLimit('mfa'))
    .output(tokenSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await ctx.mfaLogin.passkeyVerify(input.mfa_token, input.response);
      return toTokenOut(result, result.user);
    }),
};
