import { impersonateInput, impersonationSchema } from '../schemas/impersonation.js';
import { toUserOut } from '../services/serialize.js';
import { adminProcedure } from '../trpc.js';

/** Admins acting as an account, audited: part of the `admin` router (no scope: no API key may impersonate). */
export const impersonationProcedures = {
  impersonate: adminProcedure
    .meta({
      errors: [
        'USER_NOT_FOUND',
        'CANNOT_IMPERSONATE_SELF',
        'CANNOT_IMPERSONATE_ADMIN',
        'ACCOUNT_DEACTIVATED',
      ],
      openapi: {
        method: 'POST',
        path: '/admin/users/{id}/impersonate',
        summary: 'Act as an account',
        description:
          'An access token for the account (no refresh token, at most 15 minutes) carrying `act: {sub: ' +
          '"<admin id>"}`, on a session of its own. Not for admins or oneself. Under it GET /auth/me shows ' +
          '`impersonator`; passwords, email, MFA, API keys, sessions and admin routes answer 403 ' +
          'FORBIDDEN_WHILE_IMPERSONATING; every write is audited with both ids and the reason; POST ' +
          '/auth/logout with it ends it. Audited (admin.impersonation_started).',
      },
    })
    .input(impersonateInput)
    .output(impersonationSchema)
    .mutation(async ({ ctx, input }) => {
      const started = await ctx.impersonation.start(ctx.user, input.id, input.reason);
      return {
        access_token: started.accessToken,
        token_type: 'bearer' as const,
        expires_in: started.expiresIn,
        session_id: started.sessionId,
        user: toUserOut(started.user),
      };
    }),
};
