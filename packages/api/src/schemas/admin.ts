import { z } from 'zod';
import { lineText } from './text.js';
import {
  bioSchema,
  emailSchema,
  fullNameSchema,
  passwordSchema,
  roleSchema,
  userSchema,
  usernameSchema,
} from './user.js';

const timestamp = z.iso.datetime().meta({ example: '2026-01-31T12:00:00.000Z' });

/** The full record as admins see it. */
export const adminUserSchema = userSchema
  .extend({
    last_login_at: timestamp.nullable(),
    version: z
      .number()
      .int()
      .meta({ description: 'Send back as If-Match or expected_version to update safely' }),
    mfa_enabled: z.boolean().meta({
      description:
        'A second factor is on (an authenticator app or a passkey): a password login needs a second step',
    }),
  })
  .meta({ id: 'AdminUser' });

export const SORT_FIELDS = ['created_at', 'email', 'username', 'last_login_at'] as const;

export const adminListInput = z.strictObject({
  q: lineText()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: 'Partial, case-insensitive match on email, username, full_name' }),
  role: roleSchema.optional(),
  is_active: z.stringbool().optional(),
  created_after: z.iso.datetime({ offset: true }).optional(),
  created_before: z.iso.datetime({ offset: true }).optional(),
  sort: z.enum(SORT_FIELDS).default('created_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.number().int().min(1).max(100).default(20),
  cursor: lineText().max(500).optional().meta({ description: 'next_cursor from the previous page' }),
  include_total: z.stringbool().optional().meta({
    description:
      'true: also count every match (total). Off by default: the count scans all matches, a page only its own rows',
  }),
});

export const adminListOutput = z
  .object({
    items: z.array(adminUserSchema),
    next_cursor: z.string().nullable(),
    total: z.number().int().nullable().meta({
      description: 'How many accounts match, with include_total=true; null otherwise',
    }),
  })
  .meta({ id: 'AdminUserPage' });

export const createUserInput = z
  .strictObject({
    email: emailSchema,
    username: usernameSchema,
    password: passwordSchema,
    full_name: fullNameSchema.optional(),
    bio: bioSchema.optional(),
    role: roleSchema.default('user'),
    is_active: z.boolean().default(true),
  })
  .meta({ id: 'AdminCreateUserInput' });

export const adminIdInput = z.strictObject({ id: z.number().int().positive().max(2_147_483_647) });

export const updateUserInput = z
  .strictObject({
    id: z.number().int().positive().max(2_147_483_647),
    email: emailSchema.optional(),
    username: usernameSchema.optional(),
    full_name: fullNameSchema.optional(),
    bio: bioSchema.optional(),
    role: roleSchema.optional(),
    is_active: z.boolean().optional(),
    expected_version: z.number().int().positive().optional().meta({ description: 'Alternative to If-Match' }),
  })
  .meta({ id: 'AdminUpdateUserInput' });

export const setPasswordInput = z.strictObject({
  id: z.number().int().positive().max(2_147_483_647),
  password: passwordSchema,
});

export const statsOutput = z
  .object({
    total: z.number().int(),
    active: z.number().int(),
    inactive: z.number().int(),
    admins: z.number().int(),
    signups_per_day: z.array(z.object({ date: z.iso.date(), count: z.number().int() })),
  })
  .meta({ id: 'AdminStats' });

export const auditInput = z.strictObject({
  actor_id: z.number().int().positive().optional(),
  target_id: z.number().int().positive().optional(),
  action: lineText().min(1).max(64).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.number().int().min(1).max(100).default(50),
  cursor: lineText().max(500).optional(),
});

export const auditEventSchema = z
  .object({
    id: z.number().int(),
    at: timestamp,
    actor_id: z.number().int().nullable(),
    target_id: z.number().int().nullable(),
    action: z.string(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEvent' });

export const auditOutput = z
  .object({ items: z.array(auditEventSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'AuditPage' });

export type AdminListInput = z.infer<typeof adminListInput>;
export type CreateUserInput = z.infer<typeof createUserInput>;
export type UpdateUserInput = z.infer<typeof updateUserInput>;
export type AuditInput = z.infer<typeof auditInput>;
export type AdminUserOut = z.infer<typeof adminUserSchema>;
