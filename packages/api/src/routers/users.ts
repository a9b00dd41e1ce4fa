import { z } from 'zod';
import type { ErrorCode } from '../errors.js';
import { listUsersInput, updateMeInput, userIdInput, userSchema, userViewSchema } from '../schemas/user.js';
import { toUserOut, viewUser } from '../services/serialize.js';
import { refuseEmailChange } from '../access.js';
import { authedProcedure, router } from '../trpc.js';

const updateMe = authedProcedure.input(updateMeInput).output(userSchema);
const UPDATE_ME_ERRORS: ErrorCode[] = [
  'WRONG_PASSWORD',
  'RATE_LIMITED',
  'USER_ALREADY_EXISTS',
  'USERNAME_TAKEN',
  'FORBIDDEN_FOR_API_KEY',
  'FORBIDDEN_WHILE_IMPERSONATING',
];
const UPDATE_ME_DOC = {
  summary: 'Update my profile',
  description:
    'Changes email, username, full_name or bio. Any other field is rejected with 422. A new email needs ' +
    '`current_password` and must be verified again, and a login of the owner: API keys and impersonation ' +
    'tokens may change the rest only.',
};

export const usersRouter = router({
  list: authedProcedure
    .meta({
      scope: 'users:read',
      readCache: true,
      openapi: {
        method: 'GET',
        path: '/users',
        summary: 'List users',
        description:
          'Active accounts, newest first. Others are shown as public profiles; admins see everything.',
      },
    })
    .input(listUsersInput)
    .output(z.array(userViewSchema))
    .query(async ({ ctx, input }) => {
      const isAdmin = ctx.user.role === 'admin';
      const users = await ctx.users.list(input, isAdmin && input.active_only === false);
      return users.map((u) => viewUser(u, ctx.user));
    }),

  byId: authedProcedure
    .meta({
      scope: 'users:read',
      readCache: true,
      errors: ['USER_NOT_FOUND'],
      openapi: {
        method: 'GET',
        path: '/users/{id}',
        summary: 'Get a user',
        description: 'Your own record in full; of others, the public profile. Admins see everything.',
      },
    })
    .input(userIdInput)
    .output(userViewSchema)
    .query(async ({ ctx, input }) => {
      const user = await ctx.users.view(input.id);
      if (!user.isActive && ctx.user.role !== 'admin' && user.id !== ctx.user.id) {
        return ctx.users.notFound();
      }
      return viewUser(user, ctx.user);
    }),

  updateMe: updateMe
    .meta({
      scope: 'profile:write',
      errors: UPDATE_ME_ERRORS,
      openapi: { method: 'PUT', path: '/users/me', ...UPDATE_ME_DOC },
    })
    .mutation(async ({ ctx, input }) => {
      refuseEmailChange(ctx, input.email);
      return toUserOut(await ctx.users.updateMe(ctx.user, input));
    }),

  patchMe: updateMe
    .meta({
      scope: 'profile:write',
      errors: UPDATE_ME_ERRORS,
      openapi: { method: 'PATCH', path: '/users/me', ...UPDATE_ME_DOC, summary: 'Update my profile (PATCH)' },
    })
    .mutation(async ({ ctx, input }) => {
      refuseEmailChange(ctx, input.email);
      return toUserOut(await ctx.users.updateMe(ctx.user, input));
    }),

  deactivateMe: authedProcedure
    .meta({
      errors: ['LAST_ADMIN'],
      successStatus: 204,
      openapi: {
        method: 'DELETE',
        path: '/users/me',
        summary: 'Deactivate my account',
        description: 'The account is deactivated; every token it holds stops working on the next request.',
        successDescription: 'Deactivated',
      },
    })
    .input(z.void())
    .output(z.undefined())
    .mutation(async ({ ctx }) => {
      await ctx.users.deactivate(ctx.user);
      return undefined;
    }),
});
