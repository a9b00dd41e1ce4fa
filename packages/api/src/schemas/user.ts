import { z } from 'zod';
import { keyedUnion } from './keyed-union.js';
import { text } from './text.js';

export const emailSchema = text()
  .trim()
  .normalize('NFC')
  .toLowerCase()
  .max(320)
  .pipe(z.email({ pattern: z.regexes.unicodeEmail, message: 'Invalid email address' }))
  .meta({
    description: 'Email address; stored trimmed, NFC-normalized and lower-cased',
    example: 'ada@example.com',
  });

export const usernameSchema = z
  .string()
  .min(3)
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, 'Only letters, digits, "_", "." and "-"')
  .meta({ description: '3–100 letters, digits, "_", "." or "-"; unique case-insensitively', example: 'ada' });

export const passwordSchema = z
  .string()
  .min(8)
  .max(128)
  .meta({ description: '8–128 characters, compared exactly', example: 'correct horse battery' });

export const fullNameSchema = text().max(200).nullable().meta({ example: 'Ada Lovelace' });
export const bioSchema = text().max(1000).nullable().meta({ example: 'Analyst of engines.' });

export const roleSchema = z.enum(['user', 'admin']);

const timestamp = z.iso.datetime().meta({ example: '2026-01-31T12:00:00.000Z' });

/** The account as its owner and admins see it. Never a password hash. */
export const userSchema = z
  .object({
    id: z.number().int(),
    email: z.string(),
    username: z.string(),
    full_name: z.string().nullable(),
    bio: z.string().nullable(),
    role: roleSchema,
    is_superuser: z
      .boolean()
      .meta({ description: 'True when role is admin (kept for the original API clients)' }),
    is_active: z.boolean(),
    is_verified: z.boolean().meta({ description: 'The email address was confirmed by a link sent to it' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'User' });

/** What anyone signed in may see of someone else. */
export const publicUserSchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    full_name: z.string().nullable(),
    bio: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'PublicUser' });

/** The account as the caller may see it: all of it (their own, or anyone's for an admin) or its public part. */
export const userViewSchema = keyedUnion('email', userSchema, publicUserSchema);

export const registerInput = z
  .strictObject({
    email: emailSchema,
    username: usernameSchema,
    password: passwordSchema,
    full_name: fullNameSchema.optional(),
    bio: bioSchema.optional(),
  })
  .meta({
    id: 'RegisterInput',
    example: {
      email: 'ada@example.com',
      username: 'ada',
      password: 'correct horse battery',
      full_name: 'Ada Lovelace',
    },
  });

export const loginInput = z
  .strictObject({
    username: text()
      .min(1)
      .max(320)
      .optional()
      .meta({ description: 'Email or username', example: 'ada@example.com' }),
    email: text()
      .min(1)
      .max(320)
      .optional()
      .meta({ description: 'Alternative to username for JSON clients' }),
    password: z.string().min(1).max(1024).meta({ example: 'correct horse battery' }),
    grant_type: z.literal('password').optional().meta({ description: 'OAuth2 password flow' }),
    scope: z.string().max(1000).optional(),
    client_id: z.string().max(200).optional(),
    client_secret: z.string().max(200).optional(),
  })
  .refine((v) => (v.username ?? v.email) !== undefined, {
    message: 'username (or email) is required',
    path: ['username'],
  })
  .meta({ id: 'LoginInput', example: { username: 'ada@example.com', password: 'correct horse battery' } });

export const tokenSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().meta({ description: 'Seconds until the access token expires' }),
    refresh_token: z.string().meta({
      description: 'Opaque, single use: exchange it at /auth/refresh for a new pair before it expires',
    }),
    refresh_expires_in: z
      .number()
      .int()
      .meta({ description: 'Seconds until the refresh token expires (never past the session’s end)' }),
    user: userSchema,
  })
  .meta({ id: 'LoginResponse' });

export const updateMeInput = z
  .strictObject({
    email: emailSchema.optional(),
    username: usernameSchema.optional(),
    full_name: fullNameSchema.optional(),
    bio: bioSchema.optional(),
    current_password: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .meta({ description: 'Required to change the email address (which then needs verifying again)' }),
  })
  .meta({ id: 'UpdateMeInput', example: { full_name: 'Ada King', bio: 'Countess of Lovelace.' } });

export const listUsersInput = z.strictObject({
  skip: z.number().int().min(0).max(1_000_000).default(0),
  limit: z.number().int().min(1).max(100).default(20),
  active_only: z
    .stringbool()
    .optional()
    .meta({ description: 'Admins only: false includes deactivated accounts. Ignored for others.' }),
});

export const userIdInput = z.strictObject({ id: z.number().int().positive().max(2_147_483_647) });

export type RegisterInput = z.infer<typeof registerInput>;
export type LoginInput = z.infer<typeof loginInput>;
export type UpdateMeInput = z.infer<typeof updateMeInput>;
export type ListUsersInput = z.infer<typeof listUsersInput>;
export type UserOut = z.infer<typeof userSchema>;
export type PublicUserOut = z.infer<typeof publicUserSchema>;
