import { z } from 'zod';
import { API_KEY_SCOPES, SCOPE_DESCRIPTIONS } from '../scopes.js';
import { lineText } from './text.js';

const timestamp = z.iso.datetime().meta({ example: '2026-01-31T12:00:00.000Z' });

/** The longest a key may live, and how long one lives when its creator does not say. */
export const MAX_KEY_DAYS = 365;
export const DEFAULT_KEY_DAYS = 90;

export const scopeSchema = z.enum(API_KEY_SCOPES).meta({
  description: API_KEY_SCOPES.map((s) => `\`${s}\`: ${SCOPE_DESCRIPTIONS[s]}`).join('; '),
});

export const createApiKeyInput = z
  .strictObject({
    name: lineText()
      .trim()
      .min(1)
      .max(100)
      .meta({ description: 'What the key is for', example: 'backup job' }),
    scopes: z
      .array(scopeSchema)
      .min(1)
      .max(API_KEY_SCOPES.length)
      .refine((list) => new Set(list).size === list.length, 'Each scope at most once')
      .meta({ example: ['profile:read', 'users:read'] }),
    expires_in_days: z
      .number()
      .int()
      .min(1)
      .max(MAX_KEY_DAYS)
      .default(DEFAULT_KEY_DAYS)
      .meta({
        description: `Days until the key stops working: 1–${MAX_KEY_DAYS}, ${DEFAULT_KEY_DAYS} by default`,
      }),
  })
  .meta({
    id: 'CreateApiKeyInput',
    example: { name: 'backup job', scopes: ['profile:read', 'users:read'], expires_in_days: 30 },
  });

export const apiKeyIdInput = z.strictObject({
  id: z.number().int().positive().max(2_147_483_647).meta({ description: 'API key id' }),
});

/** A key as lists show it: never the key itself, which exists only in the answer to its creation. */
export const apiKeySchema = z
  .object({
    id: z.number().int(),
    user_id: z.number().int().meta({ description: 'The account the key acts for' }),
    name: z.string(),
    prefix: z
      .string()
      .meta({ description: 'The first characters of the key, to recognise it', example: 'rst_3q8ZxN0J' }),
    scopes: z.array(scopeSchema),
    created_at: timestamp,
    last_used_at: timestamp.nullable().meta({ description: 'Updated at most about once a minute' }),
    expires_at: timestamp,
  })
  .meta({ id: 'ApiKey' });

export const createdApiKeySchema = apiKeySchema
  .extend({
    key: z.string().meta({
      description: 'The key: shown this once, never again. Send it as `Authorization: Bearer rst_…`',
      example: 'rst_3q8ZxN0J1gYQ3m2u9Xc0Q4f1bVt5Yk7sW2eR8pLhN6A',
    }),
  })
  .meta({ id: 'CreatedApiKey' });

export type CreateApiKeyInput = z.infer<typeof createApiKeyInput>;
export type ApiKeyOut = z.infer<typeof apiKeySchema>;
