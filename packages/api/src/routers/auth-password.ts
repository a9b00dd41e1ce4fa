import { rateLimit } from '../ratelimit/middleware.js';
import { z } from 'zod';
import {
  acceptedSchema,
  changePasswordInput,
  forgotPasswordInput,
  resetPasswordInput,
  verifyEmailInput,
} from '../schemas/session.js';
import { userSchema } from '../schemas/user.js';
import { toUserOut } from '../services/serialize.js';
import { authedProcedure, publicProcedure, sessionOf } from '../trpc.js';

const FORGOT_ACCEPTED = 'If the address belongs to an account, a reset link is on its way';

/** Password change, forgotten password and email verification: part of the `auth` router. */
export const passwordProcedures = {
  changePassword: authedProcedure
    .meta({
      errors: ['WRONG_PASSWORD', 'RATE_LIMITED'],
      successStatus: 204,
      openapi: {
        method: 'POST',
        path: '/auth/password/change',
        summary: 'Change my password',
        description: 'Needs the current password. Every other session of the account ends.',
        successDescription: 'Changed',
      },
    })
    .input(changePasswordInput)
    .output(z.undefined())
    .mutation(async ({ ctx, input }) => {
      await ctx.account.changePassword(
        ctx.user,
        sessionOf(ctx).id,
        input.current_password,
        input.new_password,
      );
      return undefined;
    }),

  forgotPassword: publicProcedure
    .meta({
      successStatus: 202,
      openapi: {
        method: 'POST',
        path: '/auth/password/forgot',
        protect: false,
        summary: 'Ask for a password reset link',
        description:
          'Always 202 with the same body, whether or not the address has an account; the link (valid one ' +
          'hour, single use) is mailed only when it does.',
        successDescription: 'Accepted',
      },
    })
    .input(forgotPasswordInput)
    .use(rateLimit('passwordForgot'))
    .output(acceptedSchema)
    .mutation(({ ctx, input }) => {
      ctx.account.forgotPassword(input.email);
      return { detail: FORGOT_ACCEPTED };
    }),

  resetPassword: publicProcedure
    .meta({
      errors: ['INVALID_OR_EXPIRED_TOKEN'],
      successStatus: 204,
      openapi: {
        method: 'POST',
        path: '/auth/password/reset',
        protect: false,
        summary: 'Set a new password with a reset token',
        description: 'The token is spent; every session of the account ends.',
        successDescription: 'Password set',
      },
    })
    .input(resetPasswordInput)
    .use(rateLimit('passwordReset'))
    .output(z.undefined())
    .mutation(async ({ ctx, input }) => {
      await ctx.account.resetPassword(input.token, input.new_password);
      return undefined;
    }),

  requestVerification: authedProcedure
    .meta({
      successStatus: 202,
      openapi: {
        method: 'POST',
        path: '/auth/verify/request',
        summary: 'Mail me a verification link',
        description: 'Sends a link (valid 24 hours) to the account’s current address, unless it is verified.',
        successDescription: 'Accepted',
      },
    })
    .input(z.void())
    .use(rateLimit('verify'))
    .output(acceptedSchema)
    .mutation(async ({ ctx }) => {
      await ctx.account.requestVerification(ctx.user);
      return { detail: 'Verification link sent' };
    }),

  verifyEmail: publicProcedure
    .meta({
      errors: ['INVALID_OR_EXPIRED_TOKEN'],
      openapi: {
        method: 'POST',
        path: '/auth/verify',
        protect: false,
        summary: 'Confirm an email address',
        description: 'Spends the token from the verification link and marks the address verified.',
      },
    })
    .input(verifyEmailInput)
    .use(rateLimit('verify'))
    .output(userSchema)
    .mutation(async ({ ctx, input }) => toUserOut(await ctx.account.verifyEmail(input.token))),
};
