import { z } from 'zod';
import { listUsersInput, updateMeInput, userIdInput, userSchema, userViewSchema } from '../schemas/user.js';
import { toUserOut, viewUser } from '../services/serialize.js';
import { authedProcedure, router } from '../trpc.js';

const updateMe = authedProcedure.input(updateMeInput).output(userSchema);
const UPDATE_ME_DOC = {
  tags: ['users'],
  summary: 'Update my profile',
  description:
    'Changes email, username, full_name or bio. Any other field is rejected with 422. A new email needs ' +
    '`current_password` and must be verified again.',
  errorResponses: {
    401: 'Not authenticated',
    403: 'Current password is incorrect',
    409: 'Email or username already in use',
    422: 'Invalid input',
  },
};

export const usersRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/users',
        tags: ['users'],
        summary: 'List users',
        description:
          'Active accounts, newest first. Others are shown as public profiles; admins see everything.',
        errorResponses: { 401: 'Not authenticated', 422: 'Invalid query' },
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
      openapi: {
        method: 'GET',
        path: '/users/{id}',
        tags: ['users'],
        summary: 'Get a user',
        description: 'Your own record in full; of others, the public profile. Admins see everything.',
        errorResponses: { 401: 'Not authenticated', 404: 'User not found', 422: 'Invalid id' },
      },
    })
    .input(userIdInput)
    .output(userViewSchema)
    .query(async ({ ctx, input }) => {
      const user = await ctx.users.getById(input.id);
      if (!user.isActive && ctx.user.role !== 'admin' && user.id !== ctx.user.id) {
        return ctx.users.notFound();
      }
      return viewUser(user, ctx.user);
    }),

  updateMe: updateMe
    .meta({ openapi: { method: 'PUT', path: '/users/me', ...UPDATE_ME_DOC } })
    .mutation(async ({ ctx, input }) => toUserOut(await ctx.users.updateMe(ctx.user, input))),

  patchMe: updateMe
    .meta({
      openapi: { method: 'PATCH', path: '/users/me', ...UPDATE_ME_DOC, summary: 'Update my profile (PATCH)' },
    })
    .mutation(async ({ ctx, input }) => toUserOut(await ctx.users.updateMe(ctx.user, input))),

  deactivateMe: authedProcedure
    .meta({
      successStatus: 204,
      openapi: {
        method: 'DELETE',
        path: '/users/me',
        tags: ['users'],
        summary: 'Deactivate my account',
        description: 'The account is deactivated; every token it holds stops working on the next request.',
        successDescription: 'Deactivated',
        errorResponses: {
          401: 'Not authenticated',
          409: 'The last active admin cannot deactivate themselves',
        },
      },
    })
    .input(z.void())
    .output(z.undefined())
    .mutation(async ({ ctx }) => {
      await ctx.users.deactivate(ctx.user);
      return undefined;
    }),
});
