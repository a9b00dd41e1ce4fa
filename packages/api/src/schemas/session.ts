import { z } from 'zod';
import { passwordSchema, emailSchema } from './user.js';
import { SESSION_ID } from '../services/tokens.js';

/** Opaque tokens Roster issued: 43 base64url characters; anything else cannot be one. */
const opaqueToken = (what: string) =>
  z
    .string()
    .min(1)
    .max(256)
    .meta({ description: what, example: 'q8Zx3n0J1gYQ3m2u9Xc0Q4f1bVt5Yk7sW2eR8pLhN6A' });

const timestamp = z.iso.datetime().meta({ example: '2026-01-31T12:00:00.000Z' });

export const refreshInput = z
  .strictObject({ refresh_token: opaqueToken('The refresh token from the last login or refresh') })
  .meta({ id: 'RefreshInput' });

/** The admin behind an impersonation session. */
const sessionImpersonatorSchema = z
  .object({
    id: z.number().int().meta({ description: 'The admin’s account id' }),
    username: z
      .string()
      .nullable()
      .meta({ description: 'The admin’s username; null once that account has been deleted' }),
    reason: z.string().nullable().meta({
      description: 'Why the admin opened the session, as they gave it (audited with every write made under it)',
    }),
  })
  .meta({
    id: 'SessionImpersonator',
    description: 'The admin who opened a session to act as the account, and why',
    example: { id: 1, username: 'support-ann', reason: 'Ticket 4821: cannot change their email' },
  });

export const sessionSchema = z
  .object({
    id: z.string(),
    created_at: timestamp,
    last_used_at: timestamp,
    expires_at: timestamp.meta({ description: 'The absolute end of the session' }),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    current: z.boolean().meta({ description: 'The session of the token making this request' }),
    impersonated_by: sessionImpersonatorSchema.nullable().meta({
      description:
        'Set on a session an admin opened to act as the account (POST /admin/users/{id}/impersonate): that ' +
        'admin. null for the owner’s own sign-ins',
    }),
  })
  .meta({
    id: 'Session',
    example: {
      id: 'kQ3v9XrT0bY2mW7pL4sN8A',
      created_at: '2026-01-31T12:00:00.000Z',
      last_used_at: '2026-01-31T12:05:00.000Z',
      expires_at: '2026-01-31T12:15:00.000Z',
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15',
      current: false,
      impersonated_by: { id: 1, username: 'support-ann', reason: 'Ticket 4821: cannot change their email' },
    },
  });

export const sessionIdInput = z.strictObject({
  id: z.string().regex(SESSION_ID, 'Not a session id').meta({ description: 'Session id' }),
});

export const changePasswordInput = z
  .strictObject({ current_password: z.string().min(1).max(1024), new_password: passwordSchema })
  .meta({ id: 'ChangePasswordInput' });

export const forgotPasswordInput = z.strictObject({ email: emailSchema }).meta({ id: 'ForgotPasswordInput' });

export const resetPasswordInput = z
  .strictObject({ token: opaqueToken('The token from the reset link'), new_password: passwordSchema })
  .meta({ id: 'ResetPasswordInput' });

export const verifyEmailInput = z
  .strictObject({ token: opaqueToken('The token from the verification link') })
  .meta({ id: 'VerifyEmailInput' });

export const acceptedSchema = z.object({ detail: z.string() }).meta({
  id: 'Accepted',
  example: { detail: 'If the address belongs to an account, a link is on its way' },
});

export const revokedSchema = z
  .object({ revoked: z.number().int().meta({ description: 'How many sessions ended' }) })
  .meta({ id: 'Revoked' });

export type SessionOut = z.infer<typeof sessionSchema>;
