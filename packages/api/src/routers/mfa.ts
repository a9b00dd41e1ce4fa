import { z } from 'zod';
import {
  mfaChangeInput,
  mfaStatusSchema,
  recoveryCodesSchema,
  totpConfirmInput,
  totpSetupInput,
  totpSetupSchema,
} from '../schemas/mfa.js';
import { authedProcedure, router, sessionOf } from '../trpc.js';
import { mfaLoginProcedures } from './mfa-login.js';

/**
 * `auth.mfa`: the caller's second factors (an authenticator app and its recovery codes), and the second step of a
 * password login (mfa-login.ts). Passkeys have their own router (passkeys.ts).
 */
export const mfaRouter = router({
  status: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/auth/mfa',
        summary: 'My second factors',
        description:
          'Whether an authenticator app is on, how many passkeys, and how many recovery codes are left.',
      },
    })
    .input(z.void())
    .output(mfaStatusSchema)
    .query(async ({ ctx }) => {
      const factors = await ctx.mfa.status(ctx.user.id);
      return {
        totp: factors.totp,
        passkeys: factors.passkeys,
        recovery_codes_left: factors.recoveryCodesLeft,
      };
    }),

  setupTotp: authedProcedure
    .meta({
      errors: ['WRONG_PASSWORD', 'TOTP_ALREADY_ENABLED', 'RATE_LIMITED'],
      openapi: {
        method: 'POST',
        path: '/auth/mfa/totp/setup',
        summary: 'Start an authenticator app',
        description:
          'Needs the current password. Answers a new secret (RFC 6238: SHA-1, 6 digits, 30 seconds) as text, as an ' +
          'otpauth:// URL and as a QR code (SVG). Nothing changes at login until a code from the app is confirmed; ' +
          'starting again replaces a secret that was not confirmed.',
      },
    })
    .input(totpSetupInput)
    .output(totpSetupSchema)
    .mutation(({ ctx, input }) => ctx.mfa.setupTotp(ctx.user, input.password)),

  confirmTotp: authedProcedure
    .meta({
      errors: ['WRONG_MFA_CODE', 'TOTP_SETUP_NOT_STARTED', 'TOTP_ALREADY_ENABLED', 'RATE_LIMITED'],
      openapi: {
        method: 'POST',
        path: '/auth/mfa/totp/confirm',
        summary: 'Confirm the authenticator app',
        description:
          'A code from the app turns it on: from now on a password login needs a second step. Answers ten ' +
          'recovery codes, shown only here. Wrong codes count against the account (10 per 15 minutes).',
      },
    })
    .input(totpConfirmInput)
    .output(recoveryCodesSchema)
    .mutation(async ({ ctx, input }) => ({
      recovery_codes: await ctx.mfa.confirmTotp(ctx.user, input.code),
    })),

  regenerateRecoveryCodes: authedProcedure
    .meta({
      errors: ['WRONG_PASSWORD', 'WRONG_MFA_CODE', 'MFA_METHOD_UNAVAILABLE', 'RATE_LIMITED'],
      openapi: {
        method: 'POST',
        path: '/auth/mfa/recovery-codes',
        summary: 'New recovery codes',
        description:
          'Needs the current password and a code from the app (or a recovery code). Answers a new set of ten; ' +
          'the old set stops working, and every other session of the account ends (this one stays).',
      },
    })
    .input(mfaChangeInput)
    .output(recoveryCodesSchema)
    .mutation(async ({ ctx, input }) => ({
      recovery_codes: await ctx.mfa.regenerateRecoveryCodes(
        ctx.user,
        sessionOf(ctx).id,
        input.password,
        input,
      ),
    })),

  disableTotp: authedProcedure
    .meta({
      errors: ['WRONG_PASSWORD', 'WRONG_MFA_CODE', 'MFA_METHOD_UNAVAILABLE', 'RATE_LIMITED'],
      successStatus: 204,
      openapi: {
        method: 'POST',
        path: '/auth/mfa/totp/disable',
        summary: 'Turn the authenticator app off',
        description:
          'Needs the current password and a code from the app (or a recovery code). Removes the app and the ' +
          'recovery codes; passkeys stay (and with one, a password login still needs a second step). Every ' +
          'other session of the account ends (this one stays).',
        successDescription: 'Turned off',
      },
    })
    .input(mfaChangeInput)
    .output(z.undefined())
    .mutation(async ({ ctx, input }) => {
      await ctx.mfa.disableTotp(ctx.user, sessionOf(ctx).id, input.password, input);
      return undefined;
    }),

  ...mfaLoginProcedures,
});
