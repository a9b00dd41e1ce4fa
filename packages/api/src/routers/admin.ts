import { z } from 'zod';
import {
  adminIdInput,
  adminListInput,
  adminListOutput,
  adminUserSchema,
  auditInput,
  auditOutput,
  createUserInput,
  setPasswordInput,
  statsOutput,
  updateUserInput,
} from '../schemas/admin.js';
import { revokedSchema, sessionSchema } from '../schemas/session.js';
import { toAdminUserOut, toAuditEventOut, toSessionOut } from '../services/serialize.js';
import { parseIfMatch } from '../context.js';
import { adminProcedure, router } from '../trpc.js';
import { adminApiKeyProcedures } from './api-keys.js';
import { impersonationProcedures } from './impersonation.js';
import { webhooksRouter } from './webhooks.js';

export const adminRouter = router({
  listUsers: adminProcedure
    .meta({
      scope: 'admin:read',
      errors: ['INVALID_CURSOR'],
      openapi: {
        method: 'GET',
        path: '/admin/users',
        summary: 'Search and list accounts',
        description:
          'Filters by q (partial, case-insensitive over email, username, full_name), role, is_active and creation ' +
          'time; sorts by created_at, email, username or last_login_at. Keyset pagination: pass next_cursor back.',
      },
    })
    .input(adminListInput)
    .output(adminListOutput)
    .query(async ({ ctx, input }) => {
      const page = await ctx.admin.listUsers(input);
      return { items: page.items.map(toAdminUserOut), next_cursor: page.nextCursor, total: page.total };
    }),

  createUser: adminProcedure
    .meta({
      scope: 'admin:write',
      errors: ['USER_ALREADY_EXISTS', 'USERNAME_TAKEN'],
      successStatus: 201,
      openapi: {
        method: 'POST',
        path: '/admin/users',
        summary: 'Create an account',
        description: 'The admin chooses role and is_active.',
      },
    })
    .input(createUserInput)
    .output(adminUserSchema)
    .mutation(async ({ ctx, input }) => toAdminUserOut(await ctx.admin.createUser(input, ctx.user))),

  getUser: adminProcedure
    .meta({
      scope: 'admin:read',
      errors: ['USER_NOT_FOUND'],
      openapi: {
        method: 'GET',
        path: '/admin/users/{id}',
        summary: 'Get an account',
        description: 'The full record, last_login_at and version included.',
      },
    })
    .input(adminIdInput)
    .output(adminUserSchema)
    .query(async ({ ctx, input }) => toAdminUserOut(await ctx.users.getById(input.id))),

  updateUser: adminProcedure
    .meta({
      scope: 'admin:write',
      errors: ['USER_NOT_FOUND', 'VERSION_CONFLICT', 'LAST_ADMIN', 'USER_ALREADY_EXISTS', 'USERNAME_TAKEN'],
      openapi: {
        method: 'PATCH',
        path: '/admin/users/{id}',
        summary: 'Update an account',
        description:
          'Changes email, username, full_name, bio, role or is_active. Send the version you read as `If-Match` ' +
          '(or `expected_version`): a stale one is 409 VERSION_CONFLICT; a malformed If-Match, or one that ' +
          'differs from expected_version, is 422; `If-Match: *` updates whatever the version. Demoting or deactivating the last ' +
          'active admin is 409 LAST_ADMIN.',
      },
    })
    .input(updateUserInput)
    .output(adminUserSchema)
    .mutation(async ({ ctx, input }) =>
      toAdminUserOut(await ctx.admin.updateUser(input, ctx.user, parseIfMatch(ctx.ifMatch))),
    ),

  setPassword: adminProcedure
    .meta({
      errors: ['USER_NOT_FOUND'],
      successStatus: 204,
      openapi: {
        method: 'POST',
        path: '/admin/users/{id}/password',
        summary: "Set an account's password",
        description:
          "Replaces the account's password (8–128 characters) with a new argon2id hash and bumps its version. " +
          'Every session of the account ends.',
        successDescription: 'Password set',
      },
    })
    .input(setPasswordInput)
    .output(z.undefined())
    .mutation(async ({ ctx, input }) => {
      await ctx.admin.setPassword(input.id, input.password, ctx.user);
      return undefined;
    }),

  userSessions: adminProcedure
    .meta({
      scope: 'admin:read',
      errors: ['USER_NOT_FOUND'],
      openapi: {
        method: 'GET',
        path: '/admin/users/{id}/sessions',
        summary: "An account's sessions",
        description:
          'Its live sessions, most recently used first; `impersonated_by` names the admin behind an ' +
          'impersonation session.',
      },
    })
    .input(adminIdInput)
    .output(z.array(sessionSchema))
    .query(async ({ ctx, input }) =>
      (await ctx.admin.userSessions(input.id)).map((s) => toSessionOut(s, ctx.session?.id ?? null)),
    ),

  revokeUserSessions: adminProcedure
    .meta({
      scope: 'admin:write',
      errors: ['USER_NOT_FOUND'],
      openapi: {
        method: 'DELETE',
        path: '/admin/users/{id}/sessions',
        summary: "End all of an account's sessions",
        description: 'Its access and refresh tokens stop working on their next use. Audited.',
      },
    })
    .input(adminIdInput)
    .output(revokedSchema)
    .mutation(async ({ ctx, input }) => ({
      revoked: await ctx.admin.revokeUserSessions(input.id, ctx.user),
    })),

  deleteUser: adminProcedure
    .meta({
      scope: 'admin:write',
      errors: ['USER_NOT_FOUND', 'CANNOT_DELETE_SELF', 'LAST_ADMIN'],
      successStatus: 204,
      openapi: {
        method: 'DELETE',
        path: '/admin/users/{id}',
        summary: 'Delete an account',
        description: "A hard delete: the person's data is gone; audit entries keep only the id.",
        successDescription: 'Deleted',
      },
    })
    .input(adminIdInput)
    .output(z.undefined())
    .mutation(async ({ ctx, input }) => {
      await ctx.admin.deleteUser(input.id, ctx.user);
      return undefined;
    }),

  stats: adminProcedure
    .meta({
      scope: 'admin:read',
      openapi: {
        method: 'GET',
        path: '/admin/stats',
        summary: 'Account statistics',
        description: 'Totals and sign-ups per day (UTC) for the last 30 days.',
      },
    })
    .input(z.void())
    .output(statsOutput)
    .query(({ ctx }) => ctx.admin.stats()),

  audit: adminProcedure
    .meta({
      scope: 'admin:read',
      errors: ['INVALID_CURSOR'],
      openapi: {
        method: 'GET',
        path: '/admin/audit',
        summary: 'The audit log',
        description:
          'Admin actions and security events, newest first, filtered by actor, target, action and time.',
      },
    })
    .input(auditInput)
    .output(auditOutput)
    .query(async ({ ctx, input }) => {
      const page = await ctx.admin.auditLog(input);
      return { items: page.items.map(toAuditEventOut), next_cursor: page.nextCursor };
    }),
  ...adminApiKeyProcedures,
  ...impersonationProcedures,

  webhooks: webhooksRouter,
});
