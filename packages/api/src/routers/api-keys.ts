import type { ApiKey } from '@roster/db';
import { z } from 'zod';
import { adminIdInput } from '../schemas/admin.js';
import {
  apiKeyIdInput,
  apiKeySchema,
  createApiKeyInput,
  createdApiKeySchema,
  type ApiKeyOut,
} from '../schemas/api-keys.js';
import type { ApiKeyScope } from '../scopes.js';
import { adminProcedure, authedProcedure } from '../trpc.js';

function toApiKeyOut(key: ApiKey): ApiKeyOut {
  return {
    id: key.id,
    user_id: key.userId,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes as ApiKeyScope[],
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    expires_at: key.expiresAt.toISOString(),
  };
}

/**
 * The caller's API keys: part of the `auth` router. Key management has no scope, so no API key can create, list
 * or revoke keys (FORBIDDEN_FOR_API_KEY), and no impersonation token either (FORBIDDEN_WHILE_IMPERSONATING).
 */
export const apiKeyProcedures = {
  createApiKey: authedProcedure
    .meta({
      errors: ['API_KEY_LIMIT'],
      successStatus: 201,
      openapi: {
        method: 'POST',
        path: '/auth/api-keys',
        summary: 'Create an API key',
        description:
          'A key (`rst_…`, 256 random bits) for scripts and other clients, sent as `Authorization: Bearer rst_…`. ' +
          'It is in this answer only: Roster keeps its SHA-256. It acts for you within its scopes until it ' +
          'expires or is revoked; admin scopes need the admin role, at creation and on every use. At most 25 ' +
          'live keys per account. Audited.',
        successDescription: 'Created: the key is shown this once',
      },
    })
    .input(createApiKeyInput)
    .output(createdApiKeySchema)
    .mutation(async ({ ctx, input }) => {
      const { key, secret } = await ctx.apiKeys.create(ctx.user, input);
      return { ...toApiKeyOut(key), key: secret };
    }),

  apiKeys: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/auth/api-keys',
        summary: 'My API keys',
        description:
          'Keys not revoked, newest first: name, prefix, scopes, created, last used (updated at most about ' +
          'once a minute) and expiry. Never the key itself.',
      },
    })
    .input(z.void())
    .output(z.array(apiKeySchema))
    .query(async ({ ctx }) => (await ctx.apiKeys.list(ctx.user.id)).map(toApiKeyOut)),

  revokeApiKey: authedProcedure
    .meta({
      errors: ['API_KEY_NOT_FOUND'],
      successStatus: 204,
      openapi: {
        method: 'DELETE',
        path: '/auth/api-keys/{id}',
        summary: 'Revoke one of my API keys',
        description: 'The key stops working on its next use. Audited.',
        successDescription: 'Revoked',
      },
    })
    .input(apiKeyIdInput)
    .output(z.undefined())
    .mutation(async ({ ctx, input }) => {
      await ctx.apiKeys.revoke(input.id, ctx.user, ctx.user.id);
      return undefined;
    }),
};

/** Any account's API keys, for admins: part of the `admin` router (no scope: keys cannot manage keys). */
export const adminApiKeyProcedures = {
  userApiKeys: adminProcedure
    .meta({
      errors: ['USER_NOT_FOUND'],
      openapi: {
        method: 'GET',
        path: '/admin/users/{id}/api-keys',
        summary: "An account's API keys",
        description: 'Its keys that are not revoked, newest first. Never the keys themselves.',
      },
    })
    .input(adminIdInput)
    .output(z.array(apiKeySchema))
    .query(async ({ ctx, input }) => (await ctx.apiKeys.listFor(input.id)).map(toApiKeyOut)),

  revokeApiKey: adminProcedure
    .meta({
      errors: ['API_KEY_NOT_FOUND'],
      successStatus: 204,
      openapi: {
        method: 'DELETE',
        path: '/admin/api-keys/{id}',
        summary: "Revoke any account's API key",
        description: 'The key stops working on its next use. Audited (admin.api_key_revoked).',
        successDescription: 'Revoked',
      },
    })
    .input(apiKeyIdInput)
    .output(z.undefined())
    .mutation(async ({ ctx, input }) => {
      await ctx.apiKeys.revoke(input.id, ctx.user);
      return undefined;
    }),
};
