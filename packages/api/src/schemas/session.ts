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

export const sessionSchema = z
  .object({
    id: z.string(),
    created_at: timestamp,
    last_used_at: timestamp,
    expires_at: timestamp.meta({ description: 'The absolute end of the session' }),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    current: z.boolean().meta({ description: 'The session of the token making this request' }),
  })
  .meta({ id: 'Session' });

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
