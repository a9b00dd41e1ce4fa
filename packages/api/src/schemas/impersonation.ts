import { z } from 'zod';
import { lineText } from './text.js';
import { userSchema } from './user.js';

export const impersonateInput = z
  .strictObject({
    id: z.number().int().positive().max(2_147_483_647),
    reason: lineText()
      .trim()
      .min(3)
      .max(500)
      .meta({ description: 'Why: kept with the session and audited with every write made under it' }),
  })
  .meta({ id: 'ImpersonateInput', example: { reason: 'Support ticket 4711: profile shows the wrong name' } });

/** Who is acting, when an admin impersonates the account. */
export const impersonatorSchema = z
  .object({ id: z.number().int(), email: z.string() })
  .meta({ id: 'Impersonator', description: 'The admin acting as this account (impersonation tokens only)' });

/** GET /auth/me: the account, and under impersonation the admin acting as it. */
export const meSchema = userSchema.extend({ impersonator: impersonatorSchema.optional() }).meta({ id: 'Me' });

export const impersonationSchema = z
  .object({
    access_token: z
      .string()
      .meta({ description: 'An access token for the account, with `act.sub` the admin' }),
    token_type: z.literal('bearer'),
    expires_in: z
      .number()
      .int()
      .meta({ description: 'Seconds: at most 15 minutes. There is no refresh token' }),
    session_id: z
      .string()
      .meta({ description: 'The impersonation session: logging out with the token ends it' }),
    user: userSchema,
  })
  .meta({ id: 'Impersonation' });

export type ImpersonationOut = z.infer<typeof impersonationSchema>;
