import { z } from 'zod';
import { adminIdInput } from '../schemas/admin.js';
import { adminProcedure, router } from '../trpc.js';

/** What admins do to an account's second factors: merged into the `admin` router (root.ts). */
export const mfaAdminRouter = router({
  resetMfa: adminProcedure
    .meta({
      errors: ['USER_NOT_FOUND'],
      successStatus: 204,
      openapi: {
        method: 'DELETE',
        path: '/admin/users/{id}/mfa',
        summary: 'Remove every second factor of an account',
        description:
          'For an owner who lost their factors: the authenticator app, the recovery codes and the passkeys go, ' +
          'and every session of the account ends. Audited (admin.mfa_reset).',
        successDescription: 'Removed',
      },
    })
    .input(adminIdInput)
    .output(z.undefined())
    .mutation(async ({ ctx, input }) => {
      await ctx.mfa.adminReset(input.id, ctx.user);
      return undefined;
    }),
});
