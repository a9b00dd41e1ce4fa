import { rateLimit } from '../ratelimit/middleware.js';
import { z } from 'zod';
import { refreshInput, sessionIdInput, sessionSchema } from '../schemas/session.js';
import { tokenSchema } from '../schemas/user.js';
import { toSessionOut, toTokenOut } from '../services/serialize.js';
import { AppError } from '../errors.js';
import { authedProcedure, publicProcedure, sessionOf } from '../trpc.js';

/** Refresh, logout and the caller's sessions: part of the `auth` router. */
export const sessionProcedures = {
  refresh: publicProcedure
    .meta({
      errors: ['INVALID_REFRESH_TOKEN'],
      openapi: {
        method: 'POST',
        path: '/auth/refresh',
        protect: false,
        summary: 'Exchange a refresh token for a new pair',
        description:
          'The refresh token is spent. Showing a spent one again ends the whole session, except within a few ' +
          'seconds of its use (racing tabs), when the same new pair is returned.',
      },
    })
    .input(refreshInput)
    .use(rateLimit('refresh'))
    .output(tokenSchema)
    .mutation(async ({ ctx, input }) => {
      const tokens = await ctx.sessions.refresh(input.refresh_token);
      return toTokenOut(tokens, tokens.user);
    }),

  logout: authedProcedure
    .meta({
      successStatus: 204,
      allowWhileImpersonating: true,
      openapi: {
        method: 'POST',
        path: '/auth/logout',
        summary: 'Log out',
        description:
          'Ends the session of this token: its access and refresh tokens stop working at once. With an ' +
          'impersonation token, ends the impersonation.',
        successDescription: 'Logged out',
      },
    })
    .input(z.void())
    .output(z.undefined())
    .mutation(async ({ ctx }) => {
      await ctx.sessions.revoke(ctx.user.id, sessionOf(ctx).id, 'logout');
      return undefined;
    }),

  logoutAll: authedProcedure
    .meta({
      successStatus: 204,
      openapi: {
        method: 'POST',
        path: '/auth/logout-all',
        summary: 'Log out everywhere',
        description: 'Ends every session of the account, this one included.',
        successDescription: 'Logged out everywhere',
      },
    })
    .input(z.void())
    .output(z.undefined())
    .mutation(async ({ ctx }) => {
      await ctx.sessions.revokeAll(ctx.user.id, 'logout_all');
      return undefined;
    }),

  sessions: authedProcedure
    .meta({
      allowWhileImpersonating: true,
      openapi: {
        method: 'GET',
        path: '/auth/sessions',
        summary: 'My sessions',
        description:
          'The live sessions of the account, most recently used first; `current` marks this one, and ' +
          '`impersonated_by` the admin behind a session opened to act as the account (impersonation).',
      },
    })
    .input(z.void())
    .output(z.array(sessionSchema))
    .query(async ({ ctx }) => {
      const current = sessionOf(ctx).id;
      return (await ctx.sessions.list(ctx.user.id)).map((s) => toSessionOut(s, current));
    }),

  revokeSession: authedProcedure
    .meta({
      errors: ['SESSION_NOT_FOUND'],
      successStatus: 204,
      openapi: {
        method: 'DELETE',
        path: '/auth/sessions/{id}',
        summary: 'End one of my sessions',
        description: 'Ends the session: its tokens stop working on their next use.',
        successDescription: 'Ended',
      },
    })
    .input(sessionIdInput)
    .output(z.undefined())
    .mutation(async ({ ctx, input }) => {
      if (!(await ctx.sessions.revoke(ctx.user.id, input.id, 'revoked'))) {
        throw new AppError('SESSION_NOT_FOUND');
      }
      return undefined;
    }),
};
